"""The transport: how requests reach the API and answers come back as models.

- ``http``: one pooled ``httpx.Client``, auth, error mapping, retries for reads and none
  for writes (a create answered 5xx is an unknown outcome, never retried);
- ``paging``: concurrent pages of a listing, as wide as the wait needs; ``page_counts``
  remembers each query's page count across processes;
- ``wire``: the strict bulk decoder of availability pages (msgspec);
- ``responses``: lenient per-field reading of answers into models;
- ``resource``: what every resource shares (listing, create-once and its lookup);
- ``offers_api``, ``pods_api``, ``disks_api``, ``account_api``: the API's endpoints,
  returning models, never DataFrames.

It may import ``config``, ``errors``, ``inputs``, ``models``, ``lifecycle``, ``offers``
and ``provisioning`` (the requests it sends); nothing above it (frames, rentals, capacity,
display, the client, magics, widgets).
"""
