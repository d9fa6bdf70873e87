"""Rent a GPU with a network disk attached, end to end, from a plain script.

The whole flow with the plain Python API (no notebook, no magics): find the cheapest
offer in CANADA-1 that can take a network disk, create the disk, rent the pod with the
disk attached (showing the quote first), wait until it is ready, print the SSH line,
terminate it, delete the disk and show what it was billed.

It runs against the embedded sandbox: no account, no key, no money. Against the real
API, remove ``use_sandbox`` and set ``PRIME_API_KEY``; every other line stays the same
(and then it really rents a GPU).

    .venv/bin/python scripts/provision_demo.py
"""

from __future__ import annotations

import sys
import time

import prime_magics as pm
from prime_magics import api

DATA_CENTER = "CANADA-1"
DISK_GB = 100


def main() -> int:
    client = api.use_sandbox(provision_seconds=2)
    try:
        return run(client)
    finally:
        api.stop_sandbox()


def run(client: pm.Client) -> int:
    pod: pm.Pod | None = None
    disk: pm.Disk | None = None
    try:
        # 1. Where can a disk go here, and which GPU offers share that place?
        disk_offers = client.disk_availability(data_center_id=DATA_CENTER, size_gb=DISK_GB)
        places = set(zip(disk_offers["provider"], disk_offers["data_center"], strict=True))
        offers = client.availability(data_center_id=DATA_CENTER)  # cheapest first
        located = zip(offers["provider"], offers["data_center"], strict=True)
        has_disks = [place in places for place in located]
        rentable = offers[has_disks]
        rentable = rentable[~rentable["is_multinode"] & (rentable["stock_status"] != "Unavailable")]
        if rentable.empty:
            print(f"No offer in {DATA_CENTER} can take a network disk right now.")
            return 1
        offer = rentable.iloc[0]
        disk_offer = disk_offers[disk_offers["provider"] == offer["provider"]].iloc[0]
        print(
            f"Cheapest offer with disks in {DATA_CENTER}: {offer['cloud_id']} "
            f"({offer['gpu_count']}× {offer['gpu_type']}, {offer['provider']})"
        )

        # 2. The disk: billed from creation until deleted, attached or not.
        disk_request = pm.DiskRequest.from_offer(disk_offer, size_gb=DISK_GB, name="demo-data")
        print(f"Creating a {DISK_GB} GB disk at ${disk_request.quote_hr:.4f}/h …")
        disk = client.create_disk(disk_request)
        disk = client.wait_for_disk(disk.id, timeout=120, poll_interval=0.5)
        print(f"Disk {disk.id} is {disk.status}.")

        # 3. The pod, with the disk attached. Quote first: money is real.
        request = pm.PodRequest.from_offer(offer, name="demo-pod", disks=[disk])
        quote = request.quote()
        for label, per_hour in quote.lines():
            print(f"  {label:<7} {'n/a' if per_hour is None else f'${per_hour:.4f}/h'}")
        print("Request (the key stays in your environment):")
        print("  " + request.curl(client.settings.base_url))
        pod = client.create_pod(request)  # sent once; never retried
        print(f"Pod {pod.id} is {pod.status}; waiting until it is ready …")
        pod = client.wait_for_pod(pod.id, timeout=900, poll_interval=0.5, progress=False)
        print(f"Ready. Connect with:\n  {client.ssh_command(pod)}")
    finally:
        # 4. Clean up whatever was created, even after a failure: both are billed by the hour.
        if pod is not None:
            print(client.describe_pod_termination(pod.id))
            client.terminate_pod(pod.id, confirm=True)
            print(f"Pod {pod.id} terminated.")
        if disk is not None:
            # Detaching can lag behind termination on the real API: wait until it is free.
            deadline = time.monotonic() + 120
            while client.disk(disk.id).pods and time.monotonic() < deadline:
                time.sleep(1)
            client.delete_disk(disk.id, confirm=True)
            print(f"Disk {disk.id} deleted.")

    # 5. What it cost.
    history = client.pod_history()
    mine = history[history["id"] == pod.id] if pod is not None else history.head(0)
    print(mine[["name", "gpu_type", "price_hr", "hours", "total_billed"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
