"""DCGAN (pytorch/examples/dcgan), small: ConvTranspose2d generator and Conv2d discriminator with BatchNorm2d,
LeakyReLU(inplace), Tanh/Sigmoid, the examples' weights_init through Module.apply, BCELoss, Adam(betas),
label.fill_, fake.detach(); a few steps on 16x16 MNIST crops, noise from NumPy."""
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
import torch.utils.data

from _helpers import mnist_subset, numpy_weights

nz, ngf, ndf, nc = 8, 8, 8, 1


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),  # 4x4
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),  # 8x8
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),  # 16x16
            nn.Tanh()
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),  # 8x8
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),  # 4x4
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        output = self.main(input)
        return output.view(-1, 1).squeeze(1)


def load_numpy_weights(net, seed):
    with torch.no_grad():
        named = list(net.named_parameters())
        for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=seed)):
            p.copy_(torch.from_numpy(w * (0.5 if p.dim() > 1 else 1.0)))


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
netG = Generator().to(device)
netG.apply(weights_init)
load_numpy_weights(netG, 1)  # deterministic start, the same in both libraries
netD = Discriminator().to(device)
netD.apply(weights_init)
load_numpy_weights(netD, 2)

x_train, _, _, _ = mnist_subset(64, 1)
images = (x_train[:, :, 6:22, 6:22] * 0.3081 + 0.1307) * 2 - 1  # [-1, 1] like the examples' Normalize(0.5, 0.5)
dataset = torch.utils.data.TensorDataset(torch.from_numpy(np.ascontiguousarray(images)))
dataloader = torch.utils.data.DataLoader(dataset, batch_size=16, shuffle=False)

criterion = nn.BCELoss()
rng = np.random.default_rng(7)
fixed_noise = torch.from_numpy(rng.standard_normal((4, nz, 1, 1)).astype(np.float32))
real_label, fake_label = 1, 0
optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))

history = []
for epoch in range(2):
    for i, data in enumerate(dataloader, 0):
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        real_cpu = data[0].to(device)
        batch_size = real_cpu.size(0)
        label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)
        output = netD(real_cpu)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()

        noise = torch.from_numpy(rng.standard_normal((batch_size, nz, 1, 1)).astype(np.float32)).to(device)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()

        # (2) Update G network: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)  # fake labels are real for generator cost
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()
        print('[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f'
              % (epoch, 2, i, len(dataloader), errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
        history.append([errD.item(), errG.item(), D_x, D_G_z1, D_G_z2])

netG.eval()
with torch.no_grad():
    fake = netG(fixed_noise).detach().cpu()
result = {"history": history, "fake_mean": fake.mean().item(), "fake_std": fake.std().item(),
          "fake_corner": fake[0, 0, :3, :3].flatten().tolist(), "bn_running_var": netG.main[1].running_var.tolist()}
