namespace StreamVision.Publish.Mqtt;

/// <summary>
/// The messages waiting for the broker, bounded. Adding never blocks: when full, the oldest QoS 0
/// message goes first (live results are worth little late), and only when every waiting message is
/// QoS 1 or 2 does the oldest of those go; both are counted. A message leaves the queue only when
/// the broker has taken it (<see cref="Remove"/> after a successful send), so a connection lost
/// mid-send loses nothing that was within the bound.
/// </summary>
public sealed class OutgoingQueue(int capacity)
{
    private readonly LinkedList<OutgoingMessage> _messages = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private bool _completed;

    public int Capacity { get; } = capacity;

    public bool IsCompleted
    {
        get
        {
            lock (_messages)
            {
                return _completed;
            }
        }
    }

    /// <summary>QoS 0 messages dropped because the queue was full.</summary>
    public long DroppedUnreliable { get; private set; }

    /// <summary>QoS 1/2 messages dropped because the queue was full of them.</summary>
    public long DroppedReliable { get; private set; }

    public int Count
    {
        get
        {
            lock (_messages)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>False only after <see cref="Complete"/>.</summary>
    public bool TryAdd(OutgoingMessage message)
    {
        lock (_messages)
        {
            if (_completed)
            {
                return false;
            }
            if (_messages.Count >= Capacity)
            {
                var victim = _messages.First;
                while (victim is not null && victim.Value.Qos > 0)
                {
                    victim = victim.Next;
                }
                if (victim is null)
                {
                    _messages.RemoveFirst();
                    DroppedReliable++;
                }
                else
                {
                    _messages.Remove(victim);
                    DroppedUnreliable++;
                }
            }
            _messages.AddLast(message);
        }
        Wake();
        return true;
    }

    /// <summary>The oldest waiting message, left in place until <see cref="Remove"/>.</summary>
    public bool TryPeek(out OutgoingMessage message)
    {
        lock (_messages)
        {
            if (_messages.First is { } first)
            {
                message = first.Value;
                return true;
            }
            message = null!;
            return false;
        }
    }

    /// <summary>Takes <paramref name="message"/> out after it was sent (it may already have been dropped).</summary>
    public void Remove(OutgoingMessage message)
    {
        lock (_messages)
        {
            if (_messages.First is { } first && ReferenceEquals(first.Value, message))
            {
                _messages.RemoveFirst();
            }
            else
            {
                _messages.Remove(message);
            }
        }
    }

    /// <summary>Waits until a message may be waiting; false once completed and empty.</summary>
    public async Task<bool> WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_messages)
            {
                if (_messages.Count > 0)
                {
                    return true;
                }
                if (_completed)
                {
                    return false;
                }
            }
            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>No more messages will be added.</summary>
    public void Complete()
    {
        lock (_messages)
        {
            _completed = true;
        }
        Wake();
    }

    private void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled; the loop will see every message when it wakes.
        }
    }
}
