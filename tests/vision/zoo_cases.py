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
    "googlenet": 32, "inception_v3": 75,
    "efficientnet_b0": 32, "efficientnet_b1": 32, "efficientnet_v2_s": 32, "efficientnet_v2_l": 32,
}
# the large ones: state_dict layout and one eval-mode forward only
LARGE = {"resnet152", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet101_2", "vgg13", "vgg13_bn", "vgg19",
         "vgg19_bn", "densenet161", "densenet201", "efficientnet_v2_l"}
# gradients compared after one training-mode forward/backward
GRAD_MODELS = ["squeezenet1_1", "densenet121", "mobilenet_v3_small", "shufflenet_v2_x0_5", "efficientnet_b0",
               "googlenet", "resnext50_32x4d"]
# random initialisation compared statistically (per-tensor mean and std) with torchvision's
INIT_STAT_MODELS = ["squeezenet1_1", "mobilenet_v3_small", "shufflenet_v2_x0_5", "googlenet", "inception_v3",
                    "efficientnet_b0", "densenet121", "resnext50_32x4d"]
# builders whose classes take dropout= (set 0 so training mode is deterministic)
_DROPOUT = ("vgg", "squeezenet", "mobilenet", "googlenet", "inception", "efficientnet")


def kwargs(name):
    """Builder kwargs: 10 classes, no dropout, no stochastic depth; GoogLeNet/Inception with aux heads."""
    kw = {"num_classes": 10}
    if name.startswith(_DROPOUT):
        kw["dropout"] = 0.0
    if name == "googlenet":
        kw.update(dropout_aux=0.0, aux_logits=True, init_weights=True)
    if name == "inception_v3":  # the auxiliary head needs 299x299 input: it is tested alone (aux_input)
        kw.update(aux_logits=False, init_weights=True)
    if name.startswith("efficientnet"):
        kw["stochastic_depth_prob"] = 0.0
    return kw


def model_input(name):
    size = ZOO[name]
    return np.random.default_rng(1000 + size).standard_normal((2, 3, size, size)).astype(np.float32)


def train_input(name):
    """Training-mode input: batch 4 of at least 64x64. BatchNorm over a batch of 2 at 1x1 or 2x2 (the last
    stages at 32x32) is ill-conditioned: a 1e-6 relative change of the input moves torchvision's own output
    by up to 70 % there, against at most 6e-4 with this input."""
    size = max(64, ZOO[name])
    return np.random.default_rng(2000 + size).standard_normal((4, 3, size, size)).astype(np.float32)


def aux_input():
    """Input of Inception3's auxiliary head at its size for 299x299 images: (2, 768, 17, 17)."""
    return np.random.default_rng(17).standard_normal((2, 768, 17, 17)).astype(np.float32)


def outputs_list(out):
    """A model's output as a list of arrays-to-be (the namedtuples of GoogLeNet/Inception in training)."""
    return list(out) if isinstance(out, tuple) else [out]


def loss_weights(shape, k):
    return np.random.default_rng(77 + k).standard_normal(shape).astype(np.float32)


# -- pretrained-weights loading ------------------------------------------------------------------------------
# (builder, weights enum, input size): checkpoints written with the deterministic state of a 1000-class model
CHECKPOINT_CASES = [("squeezenet1_1", "SqueezeNet1_1_Weights", 64), ("densenet121", "DenseNet121_Weights", 32),
                    ("googlenet", "GoogLeNet_Weights", 32), ("shufflenet_v2_x0_5", "ShuffleNet_V2_X0_5_Weights", 32)]


# torchvision's documented inference recipe, run unchanged on both libraries (``torch``, ``torchvision``
# and a PIL image ``img`` in its namespace); the resnet18 checkpoint is placed in the hub cache first
USER_CODE = """
weights = torchvision.models.ResNet18_Weights.DEFAULT
model = torchvision.models.resnet18(weights=weights)
model.eval()
preprocess = weights.transforms()
batch = preprocess(img).unsqueeze(0)
with torch.no_grad():
    prediction = model(batch).squeeze(0).softmax(0)
class_id = prediction.argmax().item()
score = prediction[class_id].item()
category_name = weights.meta["categories"][class_id]
same = torchvision.models.get_model("resnet18", weights="DEFAULT").eval()
with torch.no_grad():
    agree = bool(torch.equal(same(batch).argmax(1), prediction.argmax().reshape(1)))
result = {"probs": prediction.numpy(), "class_id": class_id, "score": score, "category": category_name,
          "agree": agree, "shape": list(batch.shape)}
"""


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


def sample_indices(shape, n=2000):
    return np.random.default_rng(9).integers(0, int(np.prod(shape)), n)


def error_cases(models, torch):
    """name -> a call that raises or warns, written once for both libraries."""
    return {
        "get_model_unknown": lambda: models.get_model("resnet19"),
        "get_model_case": lambda: models.get_model("ResNet18", num_classes=3),
        "get_weight_no_dot": lambda: models.get_weight("ResNet18_Weights"),
        "get_weight_bad_enum": lambda: models.get_weight("ResNet19_Weights.IMAGENET1K_V1"),
        "get_weight_bad_member": lambda: models.get_weight("ResNet18_Weights.IMAGENET1K_V9"),
        "get_model_weights_unknown": lambda: models.get_model_weights("nope"),
        "builder_bad_weights_str": lambda: models.squeezenet1_1(weights="IMAGENET1K_V9"),
        "builder_wrong_enum": lambda: models.squeezenet1_1(weights=models.ResNet18_Weights.DEFAULT),
        "num_classes_vs_weights": lambda: models.squeezenet1_1(weights="DEFAULT", num_classes=10),
        "pretrained_false": lambda: models.squeezenet1_1(pretrained=False),
        "positional_pretrained": lambda: models.squeezenet1_1(False),
        "positional_two": lambda: models.squeezenet1_1(False, True),
        "resnext_groups": lambda: models.resnext50_32x4d(groups=8),
        "squeezenet_version": lambda: models.SqueezeNet("1_2"),
        "mobilenet_v3_arch": lambda: models.mobilenetv3._mobilenet_v3_conf("mobilenet_v3_medium"),
        "googlenet_blocks": lambda: models.GoogLeNet(blocks=[1, 2], init_weights=False),
        "inception_blocks": lambda: models.Inception3(inception_blocks=[1], init_weights=False),
        "googlenet_init_warning": lambda: models.GoogLeNet(num_classes=2),
        "shufflenet_repeats": lambda: models.ShuffleNetV2([4, 8], [24, 48, 96, 192, 1024]),
        "efficientnet_empty": lambda: models.EfficientNet([], 0.2),
        "inception_aux_too_small": lambda: models.Inception3(num_classes=2, init_weights=False).train()(
            torch.zeros(2, 3, 75, 75)),
    }
