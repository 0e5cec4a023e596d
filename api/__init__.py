"""The institutions' API (/api/v1/): tokens made by an institution's administrators, results
pushed as JSON through the batch service, and reads of the published rules, courses and unit
standards; described by OpenAPI 3.1 (django-ninja)."""
