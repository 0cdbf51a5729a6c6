namespace StreamVision.Publish.Mqtt;

/// <summary>
/// The messages waiting for the broker, bounded in number and in bytes (payloads and topics: a
/// thousand flow fields or masks would otherwise be a hundred megabytes). Adding never blocks: when
/// a bound is reached, the oldest QoS 0 message goes first (live results are worth little late), and
/// only when every waiting message is QoS 1 or 2 does the oldest of those go; both are counted. A
/// message leaves the queue only when the broker has taken it (<see cref="Remove"/> after a
/// successful send), so a connection lost mid-send loses nothing that was within the bounds.
/// </summary>
public sealed class OutgoingQueue(int capacity, long capacityBytes = long.MaxValue)
{
    private readonly LinkedList<OutgoingMessage> _messages = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private bool _completed;
    private long _bytes;

    public int Capacity { get; } = capacity;

    /// <summary>Most bytes held; a single larger message is still taken when the queue is empty.</summary>
    public long CapacityBytes { get; } = capacityBytes;

    /// <summary>Bytes of the messages waiting (payload and topic).</summary>
    public long Bytes
    {
        get
        {
            lock (_messages)
            {
                return _bytes;
            }
        }
    }

    private static long SizeOf(OutgoingMessage message) => message.Payload.Length + message.Topic.Length;

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
            var size = SizeOf(message);
            while (_messages.Count > 0 && (_messages.Count >= Capacity || _bytes + size > CapacityBytes))
            {
                var victim = _messages.First;
                while (victim is not null && victim.Value.Qos > 0)
                {
                    victim = victim.Next;
                }
                if (victim is null)
                {
                    victim = _messages.First!;
                    DroppedReliable++;
                }
                else
                {
                    DroppedUnreliable++;
                }
                _bytes -= SizeOf(victim.Value);
                _messages.Remove(victim);
            }
            _messages.AddLast(message);
            _bytes += size;
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
                _bytes -= SizeOf(message);
            }
            else if (_messages.Remove(message))
            {
                _bytes -= SizeOf(message);
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
