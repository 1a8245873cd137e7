"""undercloud.conf: option definitions (oslo.config), loading, translation to parameters."""
