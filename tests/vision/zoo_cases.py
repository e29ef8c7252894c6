"""The model-zoo cases shared by make_zoo_reference.py (run beside torchvision) and
test_vision_model_zoo.py (miniconv): which builders, with which kwargs and input sizes, and the
deterministic inputs, loss weights and training-mode settings, so both libraries run the same code."""
import numpy as np

# builder -> input size (the smallest comfortable size the architecture accepts)
ZOO = {
    "resnet101": 32, "resnet152": 32, "resnext50_32x4d": 32, "resnext101_32x8d": 32, "resnext101_64x4d": 32,
    "wide_resnet50_2": 32, "wide_resnet101_2": 32,
    "vgg13": 32, "vgg13_bn": 32, "vgg19": 32, "vgg19_bn": 32,
    "squeezenet1_0": 64, "squeezenet1_1": 64,
    "densenet121": 32, "densenet161": 32, "densenet169": 32, "densenet201": 32,
    "mobilenet_v3_small": 32, "mobilenet_v3_large": 32,
    "shufflenet_v2_x0_5": 32, "shufflenet_v2_x1_0": 32, "shufflenet_v2_x1_5": 32, "shufflenet_v2_x2_0": 32,
    "googlenet": 32, "inception_v3": 139,  # 139: the auxiliary head (training mode) needs >= 5x5 at Mixed_6e
    "efficientnet_b0": 32, "efficientnet_b1": 32,
}
# the large ones: state_dict layout and one eval-mode forward only
LARGE = {"resnet152", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet101_2", "vgg13", "vgg13_bn", "vgg19",
         "vgg19_bn", "densenet161", "densenet201"}
# gradients compared after one training-mode forward/backward
GRAD_MODELS = ["squeezenet1_1", "densenet121", "mobilenet_v3_small", "shufflenet_v2_x0_5", "efficientnet_b0",
               "googlenet", "resnext50_32x4d"]
# builders whose classes take dropout= (set 0 so training mode is deterministic)
_DROPOUT = ("vgg", "squeezenet", "mobilenet", "googlenet", "inception", "efficientnet")


def kwargs(name):
    """Builder kwargs: 10 classes, no dropout, no stochastic depth; GoogLeNet/Inception with aux heads."""
    kw = {"num_classes": 10}
    if name.startswith(_DROPOUT):
        kw["dropout"] = 0.0
    if name == "googlenet":
        kw.update(dropout_aux=0.0, aux_logits=True, init_weights=True)
    if name == "inception_v3":
        kw.update(aux_logits=True, init_weights=True)
    if name.startswith("efficientnet"):
        kw["stochastic_depth_prob"] = 0.0
    return kw


def model_input(name):
    size = ZOO[name]
    return np.random.default_rng(1000 + size).standard_normal((2, 3, size, size)).astype(np.float32)


def outputs_list(out):
    """A model's output as a list of arrays-to-be (the namedtuples of GoogLeNet/Inception in training)."""
    return list(out) if isinstance(out, tuple) else [out]


def loss_weights(shape, k):
    return np.random.default_rng(77 + k).standard_normal(shape).astype(np.float32)


# -- pretrained-weights loading ------------------------------------------------------------------------------
# (builder, weights enum, input size): checkpoints written with the deterministic state of a 1000-class model
CHECKPOINT_CASES = [("squeezenet1_1", "SqueezeNet1_1_Weights", 64), ("densenet121", "DenseNet121_Weights", 32),
                    ("googlenet", "GoogLeNet_Weights", 32), ("shufflenet_v2_x0_5", "ShuffleNet_V2_X0_5_Weights", 32)]


def old_densenet_keys(state):
    """The published DenseNet files' key format (``denselayer1.norm.1.weight``), which the loader renames."""
    import re
    pat = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))((?:[12])\.(?:weight|bias|running_mean|running_var))$")
    out = {}
    for k, v in state.items():
        m = pat.match(k)
        out[m.group(1) + "." + m.group(2) if m else k] = v
    return out


def preset_image():
    """A deterministic RGB image (height 300, width 260) with smooth structure and noise."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:300, 0:260]
    base = np.stack([np.sin(xx / 17.0) * 90, np.cos(yy / 23.0) * 90, np.sin((xx + yy) / 31.0) * 90], -1) + 128
    return np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)


def sample_indices(shape, n=4000):
    return np.random.default_rng(9).integers(0, int(np.prod(shape)), n)
