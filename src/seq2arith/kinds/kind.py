"""What a kind of model is to a checkpoint: its name, the schema it is rebuilt from, and its network.

A kind's module (``kinds/text2text.py``, ..., ``kinds/classifier.py``) holds its params section, its network and
a ``KIND`` that fills in this table; ``kinds/arithmetic.py`` extends it for the kinds that answer queries.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from torch import nn

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

A = TypeVar("A", bound="DataclassInstance")  # what a checkpoint of the kind stores to rebuild its network


class Kind(ABC, Generic[A]):
    """How checkpoints of one kind are rebuilt."""

    name: ClassVar[str]

    @abstractmethod
    def architecture_from_dict(self, stored: dict[str, Any]) -> A:
        """The schema a checkpoint stored (``dataclasses.asdict`` of it), validated as params.yaml's sections are
        (ParamsError if not)."""

    @abstractmethod
    def network(self, arch: A) -> nn.Module:
        """A fresh network for ``arch``."""
