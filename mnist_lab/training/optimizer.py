"""The optimizer a config trains with, and its learning rate inside it: the config's schedule
evaluated at every step in the compiled training step, whatever the steps per execution, with
a base that a change by hand rescales.

A rate set by hand (the Train page, the live view) takes effect at the next execution and is
marked at that step; the schedule goes on from there. The class is registered with Keras, so
a saved model's optimizer opens again where this module is imported (the dashboard opens
models without their optimizer).
"""

from __future__ import annotations

import keras

from mnist_lab.config import RunConfig
from mnist_lab.training.schedules import learning_rate_factor


@keras.saving.register_keras_serializable(package="mnist_lab")
class ScheduledRate(keras.optimizers.schedules.LearningRateSchedule):
    """base x learning_rate_factor(schedule, step / total_steps), evaluated per step.

    `first_step`: the run's step where this optimizer's first step falls (a fine-tune's
    second phase starts a new optimizer half-way through the schedule).
    """

    def __init__(self, schedule: str, base_rate: float, total_steps: int, first_step: int = 0) -> None:
        self.schedule, self.total_steps = schedule, max(1, int(total_steps))
        self.first_step = int(first_step)
        self.base = keras.Variable(base_rate, dtype="float32", trainable=False, name="base_rate")
        self.changes: list[tuple[int, float]] = []

    def __call__(self, step):
        progress = (keras.ops.cast(step, "float32") + self.first_step) / self.total_steps
        return self.base * keras.ops.cast(learning_rate_factor(self.schedule, progress, keras.ops),
                                          "float32")

    def request(self, new_rate: float, step: int) -> None:
        """Make the rate `new_rate` from step `step` on (the next execution); the schedule goes
        on from there, scaled."""
        factor = float(learning_rate_factor(self.schedule, step / self.total_steps))
        self.base.assign(new_rate / factor if factor > 0 else new_rate)
        self.changes.append((step, new_rate))

    def continued(self, share: float, step: int) -> ScheduledRate:
        """The same schedule from run step `step` on, at `share` of this one's base, keeping
        the changes made by hand so far: a fine-tune's second phase."""
        rate = ScheduledRate(self.schedule, float(keras.ops.convert_to_numpy(self.base)) * share,
                             self.total_steps, first_step=step)
        rate.changes = self.changes
        return rate

    def get_config(self) -> dict:
        return {"schedule": self.schedule, "total_steps": self.total_steps,
                "base_rate": float(keras.ops.convert_to_numpy(self.base)),
                "first_step": self.first_step}


def make_optimizer(config: RunConfig, learning_rate: ScheduledRate) -> keras.optimizers.Optimizer:
    """SGD with momentum, or Adam with its betas, at `learning_rate`, with the config's weight decay."""
    weight_decay = config.weight_decay or None  # Keras: None means no decay
    if config.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=config.beta_1,
                                     beta_2=config.beta_2, weight_decay=weight_decay)
    return keras.optimizers.SGD(learning_rate=learning_rate, momentum=config.momentum,
                                weight_decay=weight_decay)
