"""Training one run: `train` (the keras-io example with the store plugged in), its `callbacks`,
learning-rate `schedules`, and the `runner` that starts, queues and stops trainer processes.

Only `train` and `callbacks` import Keras; the runner and the schedules do not, so the
dashboard can start and steer trainers without loading TensorFlow.
"""
