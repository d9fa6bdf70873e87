"""The DataFrame columns the pods-and-disks issue promises, written out once for tests.

Restated here rather than imported from ``resource_frames``, so a change to the library's
lists cannot silently change what the tests hold it to.
"""

POD_COLUMNS = [
    "id", "name", "status", "gpu_type", "gpu_count", "provider", "data_center", "price_hr",
    "created_at", "hours_running", "cost_so_far", "deadline", "past_deadline", "ssh", "ip",
    "installation_status", "installation_progress", "disk_ids",
]  # fmt: skip
DISK_COLUMNS = [
    "id", "name", "status", "provider", "data_center", "country", "size_gb", "price_hr",
    "price_month", "pods", "created_at",
]  # fmt: skip
HISTORY_COLUMNS = [
    "id", "name", "provider", "gpu_type", "gpu_count", "price_hr", "created_at",
    "terminated_at", "hours", "total_billed",
]  # fmt: skip
STATUS_COLUMNS = [
    "pod_id", "status", "installation_status", "installation_progress", "ssh", "ip",
    "price_hr", "installation_failure",
]  # fmt: skip
