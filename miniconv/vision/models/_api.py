"""torchvision's model registry and weights API: ``Weights`` (url, preprocessing constructor, meta),
``WeightsEnum`` (the parent of every ``*_Weights`` enum), ``register_model``, ``list_models``,
``get_model``, ``get_model_builder``, ``get_model_weights`` and ``get_weight``, with torchvision's
behaviour and messages.

Pretrained weights load through ``miniconv.hub.load_state_dict_from_url``, so from PyTorch's own hub
cache (``~/.cache/torch/hub/checkpoints``; files downloaded with PyTorch are used as they are) and are
downloaded only when missing."""
import fnmatch
import os
from dataclasses import dataclass
from enum import Enum
from functools import partial
from inspect import signature
from typing import Any, Callable, get_args
from urllib.error import URLError
from urllib.parse import urlparse

from ... import hub

__all__ = [
    "Weights",
    "WeightsEnum",
    "get_model",
    "get_model_builder",
    "get_model_weights",
    "get_weight",
    "list_models",
    "register_model",
]


@dataclass
class Weights:
    """The facts about one set of pretrained weights: ``url``, ``transforms`` (a constructor of the
    evaluation preprocessing) and ``meta`` (categories, num_params, metrics, ...)."""

    url: str
    transforms: Callable
    meta: dict

    def __eq__(self, other):
        # partial objects compare by identity; compare their parts so that copies of a member are equal
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        if isinstance(self.transforms, partial) and isinstance(other.transforms, partial):
            return (self.transforms.func == other.transforms.func and self.transforms.args == other.transforms.args
                    and self.transforms.keywords == other.transforms.keywords)
        return self.transforms == other.transforms


class WeightsEnum(Enum):
    """Parent of the ``*_Weights`` enums; each member's value is a ``Weights``."""

    @classmethod
    def verify(cls, obj):
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(
                    f"Invalid Weight class provided; expected {cls.__name__} but received {obj.__class__.__name__}."
                )
        return obj

    def get_state_dict(self, *args, **kwargs):
        """The state_dict at ``self.url``, read from the hub cache (downloaded when missing)."""
        try:
            return hub.load_state_dict_from_url(self.url, *args, **kwargs)
        except URLError as e:
            cached = os.path.join(kwargs.get("model_dir") or os.path.join(hub.get_dir(), "checkpoints"),
                                  os.path.basename(urlparse(self.url).path))
            raise URLError(f"{self!r}: could not download {self.url} ({e.reason}); without a network, copy the "
                           f"file (e.g. from a machine where PyTorch downloaded it) to {cached}") from e

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta


def get_weight(name):
    """The weights enum member named ``"ResNet50_Weights.IMAGENET1K_V1"``."""
    from .. import models
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    weights_enum = models.__dict__.get(enum_name, None)
    if not (isinstance(weights_enum, type) and issubclass(weights_enum, WeightsEnum)):
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")
    return weights_enum[value_name]


def get_model_weights(name):
    """The weights enum class of a model builder (the function or its registered name)."""
    model = get_model_builder(name) if isinstance(name, str) else name
    return _get_enum_from_fn(model)


def _get_enum_from_fn(fn):
    sig = signature(fn)
    if "weights" not in sig.parameters:
        raise ValueError("The method is missing the 'weights' argument.")
    ann = sig.parameters["weights"].annotation
    weights_enum = None
    if isinstance(ann, type) and issubclass(ann, WeightsEnum):
        weights_enum = ann
    else:
        for t in get_args(ann):
            if isinstance(t, type) and issubclass(t, WeightsEnum):
                weights_enum = t
                break
    if weights_enum is None:
        raise ValueError(
            "The WeightsEnum class for the specific method couldn't be retrieved. Make sure the typing info is correct."
        )
    return weights_enum


BUILTIN_MODELS = {}


def register_model(name=None):
    """Decorator adding a model builder to the registry under ``name`` (default: its function name)."""
    def wrapper(fn):
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn

    return wrapper


def list_models(module=None, include=None, exclude=None):
    """Sorted names of the registered models, optionally of one module and filtered by fnmatch patterns."""
    all_models = {
        k for k, v in BUILTIN_MODELS.items() if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__
    }
    if include:
        models = set()
        if isinstance(include, str):
            include = [include]
        for include_filter in include:
            models = models | set(fnmatch.filter(all_models, include_filter))
    else:
        models = all_models
    if exclude:
        if isinstance(exclude, str):
            exclude = [exclude]
        for exclude_filter in exclude:
            models = models - set(fnmatch.filter(all_models, exclude_filter))
    return sorted(models)


def get_model_builder(name):
    """The builder function registered under ``name`` (case-insensitive)."""
    name = name.lower()
    try:
        fn = BUILTIN_MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None
    return fn


def get_model(name: str, **config: Any):
    """``get_model_builder(name)(**config)``."""
    return get_model_builder(name)(**config)
