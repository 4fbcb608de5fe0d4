"""mtl_lessons: the helper package of the book *Multi-Task Learning, Hands On*.

Importing this package is cheap and never imports TensorFlow; the PyTorch code lives in
``mtl_lessons.torch`` and the Keras code in ``mtl_lessons.keras``.
"""

from mtl_lessons.seeding import set_seed

__version__ = "0.3.0"
__all__ = ["set_seed", "__version__"]
