"""How a billing run's customers are cut into jobs: pure Python, no Odoo.

A customer is billed in one transaction, with all its contracts on one invoice:
the unit of work cannot be split, but its weight (its contracts due) varies
from 1 to more than 1,000. Chunks of a fixed number of customers would put the
three largest customers of a fleet in one job, and the run would wait for that
job alone while the other workers are idle. So a chunk closes at ``size``
customers or when its contracts would pass ``size`` times the mean customer's,
the heaviest customers first: the longest jobs start first (queue_job runs the
pending jobs of a channel in the order they were queued), and a customer heavier
than a chunk's budget gets a job of its own.
"""


def balanced_chunks(weights, size):
    """``weights``: (key, contracts due) pairs, one per customer; ``size``: the
    customers per chunk at most. Returns lists of keys: every key once, the
    heaviest first; a chunk has at most ``size`` keys and, unless it has a single
    key, a weight of at most ``size`` times the mean weight."""
    if not weights:
        return []
    size = max(int(size), 1)
    pairs = [(key, max(weight, 1)) for key, weight in weights]
    budget = size * sum(weight for _key, weight in pairs) / len(pairs)
    # heaviest first; equal weights keep their order (sorted is stable)
    ordered = sorted(pairs, key=lambda pair: -pair[1])
    chunks, current, load = [], [], 0
    for key, weight in ordered:
        if current and (len(current) >= size or load + weight > budget):
            chunks.append(current)
            current, load = [], 0
        current.append(key)
        load += weight
    chunks.append(current)
    return chunks
