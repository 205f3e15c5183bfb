// The tests of this assembly give their jobs the same keys (q1, a1, x1, ...) on queues of their own. SAQ's abort
// marker saq:abort:KEY does not name the queue (docs/redis.md), so one test's abort refused another's enqueue of the
// same key for up to 5 s when they ran side by side: they run one at a time.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
