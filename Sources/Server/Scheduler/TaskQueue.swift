/// A FIFO of sequences waiting for a slot. A popped entry is cleared at once: a queue must not keep a
/// finished request (and the model it pins) alive.
struct TaskQueue {
    private var items: [SequenceTask?] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ task: SequenceTask) { items.append(task) }

    mutating func popFirst() -> SequenceTask? {
        guard head < items.count else { return nil }
        let task = items[head]
        items[head] = nil
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return task
    }

    mutating func removeAll(where shouldRemove: (SequenceTask) -> Bool) {
        items.removeFirst(head)
        head = 0
        items.removeAll { shouldRemove($0!) }
    }
}
