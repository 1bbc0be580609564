"""Problems and known errors: the causes behind repeated incidents, their workarounds published to the
incidents and customers they touch, and recurring incidents proposed as problems."""
