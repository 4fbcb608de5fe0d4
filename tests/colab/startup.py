"""IPython start-up file of the Colab stand-in (copied into $IPYTHONDIR/profile_default/startup/).

Colab's kernel has imported `google.colab` before the first cell runs; the stand-in's does too.
"""

import google.colab  # noqa: F401
