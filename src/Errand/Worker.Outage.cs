namespace Errand;

/// <content>The backend's outages, as the worker meets them: logged when they start and end, not on every failure.</content>
public sealed partial class Worker
{
    private OutageLog? _outage;

    // Created on first use, so that the constructor is left alone; every caller gets the same instance.
    private OutageLog Outage => _outage ?? Interlocked.CompareExchange(ref _outage, new OutageLog(_logger, _time, Id), null) ?? _outage;
}
