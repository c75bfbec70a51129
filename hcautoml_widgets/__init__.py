"""hcautoml-widgets: watch and steer a running hyperparameter search from JupyterLab."""

from hcautoml_widgets.core.sampler import SteeredSampler
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering

__all__ = ["SearchSpace", "SteeredSampler", "Steering"]
__version__ = "0.1.0"
