"""Training one run: `train` (the keras-io example with the store plugged in), its `callbacks`,
learning-rate `schedules`, `transfer` (starting from a saved run's weights), the `runner` that
starts, queues and stops trainer processes, and the configs of a k-fold study (`folds`).

Only `train`, `callbacks` and `transfer` import Keras; the runner, the schedules and the folds
do not, so the dashboard can start and steer trainers without loading TensorFlow.
"""
