"""Every event the function understands, made into a ``Trigger`` or a ``Refusal``. Pure."""
