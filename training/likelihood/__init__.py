"""The likelihood family on the training side: S1/S3 sampling, the log-likelihood network, training and export."""
