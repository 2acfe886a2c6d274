"""mnist-lab: experiments with convolutional networks on MNIST."""
