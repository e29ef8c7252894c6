"""EfficientNet B0-B7 (Tan & Le, 2019) as torchvision builds them: MBConv blocks (1x1 expand, depthwise
kxk, squeeze-and-excitation with SiLU, 1x1 project) whose residual branch passes through per-sample
stochastic depth, its probability growing linearly with depth; EfficientNetV2 S/M/L (Tan & Le, 2021) adds
FusedMBConv blocks (one full kxk convolution instead of expand + depthwise); module tree
(``features.1.0.block.1.0.weight``, ``classifier.1.bias``) equal to torchvision's."""
import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Callable, Optional

from ... import nn
from ...nn import init
from ..ops.misc import Conv2dNormActivation, SqueezeExcitation
from ..ops.stochastic_depth import StochasticDepth
from ._api import register_model
from ._utils import _make_divisible, _ovewrite_named_param, handle_legacy_interface
from ._weights_efficientnet import (
    EfficientNet_B0_Weights,
    EfficientNet_B1_Weights,
    EfficientNet_B2_Weights,
    EfficientNet_B3_Weights,
    EfficientNet_B4_Weights,
    EfficientNet_B5_Weights,
    EfficientNet_B6_Weights,
    EfficientNet_B7_Weights,
    EfficientNet_V2_L_Weights,
    EfficientNet_V2_M_Weights,
    EfficientNet_V2_S_Weights,
)

__all__ = (["EfficientNet", "MBConvConfig", "FusedMBConvConfig", "MBConv", "FusedMBConv"]
           + [f"EfficientNet_B{i}_Weights" for i in range(8)] + [f"efficientnet_b{i}" for i in range(8)]
           + ["EfficientNet_V2_S_Weights", "EfficientNet_V2_M_Weights", "EfficientNet_V2_L_Weights",
              "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l"])


@dataclass
class _MBConvConfig:
    expand_ratio: float
    kernel: int
    stride: int
    input_channels: int
    out_channels: int
    num_layers: int
    block: Callable

    @staticmethod
    def adjust_channels(channels, width_mult, min_value=None):
        return _make_divisible(channels * width_mult, 8, min_value)


class MBConvConfig(_MBConvConfig):
    """One stage: expand ratio, kernel, stride, channels (times ``width_mult``), layers (times
    ``depth_mult``, rounded up)."""

    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers, width_mult=1.0,
                 depth_mult=1.0, block=None):
        input_channels = self.adjust_channels(input_channels, width_mult)
        out_channels = self.adjust_channels(out_channels, width_mult)
        num_layers = self.adjust_depth(num_layers, depth_mult)
        if block is None:
            block = MBConv
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block)

    @staticmethod
    def adjust_depth(num_layers, depth_mult):
        return int(math.ceil(num_layers * depth_mult))


class FusedMBConvConfig(_MBConvConfig):
    """One EfficientNetV2 stage of FusedMBConv blocks (channels and depth as given)."""

    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block=None):
        if block is None:
            block = FusedMBConv
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block)


class MBConv(nn.Module):
    def __init__(self, cnf, stochastic_depth_prob, norm_layer, se_layer=SqueezeExcitation):
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        layers = []
        activation_layer = nn.SiLU
        expanded_channels = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded_channels, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=activation_layer))
        layers.append(Conv2dNormActivation(expanded_channels, expanded_channels, kernel_size=cnf.kernel,
                                           stride=cnf.stride, groups=expanded_channels, norm_layer=norm_layer,
                                           activation_layer=activation_layer))
        squeeze_channels = max(1, cnf.input_channels // 4)
        layers.append(se_layer(expanded_channels, squeeze_channels, activation=partial(nn.SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded_channels, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result)
            result += input
        return result


class FusedMBConv(nn.Module):
    """kxk convolution expanding (or, at expand ratio 1, straight to the output), 1x1 project; residual
    through stochastic depth when the shape is kept."""

    def __init__(self, cnf, stochastic_depth_prob, norm_layer):
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        activation_layer = nn.SiLU
        expanded_channels = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded_channels != cnf.input_channels:
            layers = [Conv2dNormActivation(cnf.input_channels, expanded_channels, kernel_size=cnf.kernel,
                                           stride=cnf.stride, norm_layer=norm_layer,
                                           activation_layer=activation_layer),
                      Conv2dNormActivation(expanded_channels, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None)]
        else:
            layers = [Conv2dNormActivation(cnf.input_channels, cnf.out_channels, kernel_size=cnf.kernel,
                                           stride=cnf.stride, norm_layer=norm_layer,
                                           activation_layer=activation_layer)]
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result)
            result += input
        return result


class EfficientNet(nn.Module):
    """Input (N, 3, H, W), output (N, num_classes). Convolutions start from
    ``kaiming_normal_(mode="fan_out")``, norms from 1/0, the Linear from U(-1/sqrt(out), 1/sqrt(out))."""

    def __init__(self, inverted_residual_setting, dropout, stochastic_depth_prob=0.2, num_classes=1000,
                 norm_layer=None, last_channel=None):
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        elif not (isinstance(inverted_residual_setting, Sequence)
                  and all(isinstance(s, _MBConvConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        firstconv_output_channels = inverted_residual_setting[0].input_channels
        layers = [Conv2dNormActivation(3, firstconv_output_channels, kernel_size=3, stride=2, norm_layer=norm_layer,
                                       activation_layer=nn.SiLU)]
        total_stage_blocks = sum(cnf.num_layers for cnf in inverted_residual_setting)
        stage_block_id = 0
        for cnf in inverted_residual_setting:
            stage = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:  # later blocks of a stage keep its width and stride 1
                    block_cnf.input_channels = block_cnf.out_channels
                    block_cnf.stride = 1
                sd_prob = stochastic_depth_prob * float(stage_block_id) / total_stage_blocks
                stage.append(block_cnf.block(block_cnf, sd_prob, norm_layer))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))
        lastconv_input_channels = inverted_residual_setting[-1].out_channels
        lastconv_output_channels = last_channel if last_channel is not None else 4 * lastconv_input_channels
        layers.append(Conv2dNormActivation(lastconv_input_channels, lastconv_output_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout, inplace=True),
            nn.Linear(lastconv_output_channels, num_classes),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                init_range = 1.0 / math.sqrt(m.out_features)
                init.uniform_(m.weight, -init_range, init_range)
                init.zeros_(m.bias)

    def _forward_impl(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))

    def forward(self, x):
        return self._forward_impl(x)


def _efficientnet(inverted_residual_setting, dropout, last_channel, weights, progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = EfficientNet(inverted_residual_setting, dropout, last_channel=last_channel, **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


_V2_STAGES = {  # (fused?, expand ratio, kernel, stride, in, out, layers) per stage
    "efficientnet_v2_s": [(1, 1, 3, 1, 24, 24, 2), (1, 4, 3, 2, 24, 48, 4), (1, 4, 3, 2, 48, 64, 4),
                          (0, 4, 3, 2, 64, 128, 6), (0, 6, 3, 1, 128, 160, 9), (0, 6, 3, 2, 160, 256, 15)],
    "efficientnet_v2_m": [(1, 1, 3, 1, 24, 24, 3), (1, 4, 3, 2, 24, 48, 5), (1, 4, 3, 2, 48, 80, 5),
                          (0, 4, 3, 2, 80, 160, 7), (0, 6, 3, 1, 160, 176, 14), (0, 6, 3, 2, 176, 304, 18),
                          (0, 6, 3, 1, 304, 512, 5)],
    "efficientnet_v2_l": [(1, 1, 3, 1, 32, 32, 4), (1, 4, 3, 2, 32, 64, 7), (1, 4, 3, 2, 64, 96, 7),
                          (0, 4, 3, 2, 96, 192, 10), (0, 6, 3, 1, 192, 224, 19), (0, 6, 3, 2, 224, 384, 25),
                          (0, 6, 3, 1, 384, 640, 7)],
}


def _efficientnet_conf(arch, **kwargs):
    if arch.startswith("efficientnet_b"):
        bneck_conf = partial(MBConvConfig, width_mult=kwargs.pop("width_mult"), depth_mult=kwargs.pop("depth_mult"))
        inverted_residual_setting = [
            bneck_conf(1, 3, 1, 32, 16, 1),
            bneck_conf(6, 3, 2, 16, 24, 2),
            bneck_conf(6, 5, 2, 24, 40, 2),
            bneck_conf(6, 3, 2, 40, 80, 3),
            bneck_conf(6, 5, 1, 80, 112, 3),
            bneck_conf(6, 5, 2, 112, 192, 4),
            bneck_conf(6, 3, 1, 192, 320, 1),
        ]
        return inverted_residual_setting, None
    for name, stages in _V2_STAGES.items():
        if arch.startswith(name):
            return [(FusedMBConvConfig if fused else MBConvConfig)(*args) for fused, *args in stages], 1280
    raise ValueError(f"Unsupported model type {arch}")


_B_CONF = {  # width_mult, depth_mult, dropout, torchvision's BatchNorm arguments for B5-B7
    0: (1.0, 1.0, 0.2, False), 1: (1.0, 1.1, 0.2, False), 2: (1.1, 1.2, 0.3, False), 3: (1.2, 1.4, 0.3, False),
    4: (1.4, 1.8, 0.4, False), 5: (1.6, 2.2, 0.4, True), 6: (1.8, 2.6, 0.5, True), 7: (2.0, 3.1, 0.5, True),
}


def _build_b(i, weights, progress, kwargs):
    width_mult, depth_mult, dropout, tf_bn = _B_CONF[i]
    inverted_residual_setting, last_channel = _efficientnet_conf(f"efficientnet_b{i}", width_mult=width_mult,
                                                                 depth_mult=depth_mult)
    if tf_bn:
        kwargs = dict(kwargs, norm_layer=partial(nn.BatchNorm2d, eps=0.001, momentum=0.01))
    return _efficientnet(inverted_residual_setting, kwargs.pop("dropout", dropout), last_channel, weights, progress,
                         **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B0_Weights.IMAGENET1K_V1))
def efficientnet_b0(*, weights: Optional[EfficientNet_B0_Weights] = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B0 (5.3 M parameters)."""
    return _build_b(0, EfficientNet_B0_Weights.verify(weights), progress, kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B1_Weights.IMAGENET1K_V1))
def efficientnet_b1(*, weights: Optional[EfficientNet_B1_Weights] = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B1 (7.8 M parameters)."""
    return _build_b(1, EfficientNet_B1_Weights.verify(weights), progress, kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B2_Weights.IMAGENET1K_V1))
def efficientnet_b2(*, weights: Optional[EfficientNet_B2_Weights] = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B2 (9.1 M parameters)."""
    return _build_b(2, EfficientNet_B2_Weights.verify(weights), progress, kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B3_Weights.IMAGENET1K_V1))
def efficientnet_b3(*, weights: Optional[EfficientNet_B3_Weights] = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B3 (12.2 M parameters)."""
    return _build_b(3, EfficientNet_B3_Weights.verify(weights), progress, kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B4_Weights.IMAGENET1K_V1))
def efficientnet_b4(*, weights: Optional[EfficientNet_B4_Weights] = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B4 (19.3 M parameters)."""
    return _build_b(4, EfficientNet_B4_Weights.verify(weights), progress, kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B5_Weights.IMAGENET1K_V1))
def efficientnet_b5(*, weights: Optional[EfficientNet_B5_Weights] = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B5 (30.4 M parameters; BatchNorm eps 1e-3, momentum 0.01)."""
    return _build_b(5, EfficientNet_B5_Weights.verify(weights), progress, kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B6_Weights.IMAGENET1K_V1))
def efficientnet_b6(*, weights: Optional[EfficientNet_B6_Weights] = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B6 (43.0 M parameters; BatchNorm eps 1e-3, momentum 0.01)."""
    return _build_b(6, EfficientNet_B6_Weights.verify(weights), progress, kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B7_Weights.IMAGENET1K_V1))
def efficientnet_b7(*, weights: Optional[EfficientNet_B7_Weights] = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B7 (66.3 M parameters; BatchNorm eps 1e-3, momentum 0.01)."""
    return _build_b(7, EfficientNet_B7_Weights.verify(weights), progress, kwargs)


def _build_v2(arch, dropout, weights, progress, kwargs):
    inverted_residual_setting, last_channel = _efficientnet_conf(arch)
    return _efficientnet(inverted_residual_setting, kwargs.pop("dropout", dropout), last_channel, weights, progress,
                         norm_layer=partial(nn.BatchNorm2d, eps=1e-03), **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_V2_S_Weights.IMAGENET1K_V1))
def efficientnet_v2_s(*, weights: Optional[EfficientNet_V2_S_Weights] = None, progress: bool = True,
                      **kwargs) -> EfficientNet:
    """EfficientNetV2-S (21.5 M parameters; BatchNorm eps 1e-3)."""
    return _build_v2("efficientnet_v2_s", 0.2, EfficientNet_V2_S_Weights.verify(weights), progress, kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_V2_M_Weights.IMAGENET1K_V1))
def efficientnet_v2_m(*, weights: Optional[EfficientNet_V2_M_Weights] = None, progress: bool = True,
                      **kwargs) -> EfficientNet:
    """EfficientNetV2-M (54.1 M parameters; BatchNorm eps 1e-3)."""
    return _build_v2("efficientnet_v2_m", 0.3, EfficientNet_V2_M_Weights.verify(weights), progress, kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_V2_L_Weights.IMAGENET1K_V1))
def efficientnet_v2_l(*, weights: Optional[EfficientNet_V2_L_Weights] = None, progress: bool = True,
                      **kwargs) -> EfficientNet:
    """EfficientNetV2-L (118.5 M parameters; BatchNorm eps 1e-3)."""
    return _build_v2("efficientnet_v2_l", 0.4, EfficientNet_V2_L_Weights.verify(weights), progress, kwargs)
