import Foundation

/// A bounded queue of interleaved audio blocks from one producer thread to one consumer thread.
///
/// The producer waits while `capacity` blocks are queued, so memory stays a few blocks whatever the length.
/// Either side can end the stream: the producer closes it when it has no more blocks; the consumer
/// abandons it when it stops early (an error), which wakes a waiting producer and drops what it pushes.
///
/// A waiting side is woken only once half the queue is there for it (half full for the consumer, half empty
/// for the producer), or at the end of the stream: each thread then runs for several blocks per wake-up
/// instead of the two trading the lock and a context switch on every block. So it carries streams, not
/// requests: a producer that waits for the consumer's answer to one block before pushing the next would wait
/// for ever (with `capacity` above 1).
public final class BlockQueue: @unchecked Sendable {
  private let condition = NSCondition()
  private var blocks: [[Float]] = []
  private var closed = false
  private var abandoned = false
  private let capacity: Int
  private let half: Int
  private var consumerWaits = false
  private var producerWaits = false

  /// A queue holding at most `capacity` blocks.
  public init(capacity: Int) {
    self.capacity = max(1, capacity)
    half = max(1, self.capacity / 2)
  }

  /// Producer: queues `block`, waiting while the queue is full. Returns false once the consumer has abandoned
  /// the stream: the producer should stop.
  @discardableResult
  public func push(_ block: [Float]) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while blocks.count >= capacity && !abandoned {
      producerWaits = true
      condition.wait()
    }
    producerWaits = false
    if abandoned { return false }
    if !block.isEmpty { blocks.append(block) }
    if consumerWaits && blocks.count >= half { condition.broadcast() }
    return true
  }

  /// Producer: there are no more blocks.
  public func close() {
    condition.lock()
    closed = true
    condition.broadcast()
    condition.unlock()
  }

  /// Consumer: the next block, or nil once the stream is closed and drained (or abandoned).
  public func pop() -> [Float]? {
    condition.lock()
    defer { condition.unlock() }
    while blocks.isEmpty && !closed && !abandoned {
      consumerWaits = true
      condition.wait()
    }
    consumerWaits = false
    if blocks.isEmpty || abandoned { return nil }
    let block = blocks.removeFirst()
    if producerWaits && capacity - blocks.count >= half { condition.broadcast() }
    return block
  }

  /// Consumer: stop the stream; queued and later blocks are dropped.
  public func abandon() {
    condition.lock()
    abandoned = true
    blocks.removeAll()
    condition.broadcast()
    condition.unlock()
  }
}

/// Work running on a Foundation thread of its own, joined for its result.
///
/// A thread rather than a task: the pipelines it serves block on `BlockQueue`s, and blocked tasks could starve
/// the cooperative pool of the threads the other stages need (with 2 cores, a deadlock).
public final class BackgroundThread<Output>: @unchecked Sendable {
  private let condition = NSCondition()
  private var outcome: Result<Output, any Error>?

  /// Starts `body` at once on a new thread called `name`.
  public init(name: String, _ body: @escaping @Sendable () throws -> Output) {
    let thread = Thread { [self] in
      let result = Result { try body() }
      condition.lock()
      outcome = result
      condition.broadcast()
      condition.unlock()
    }
    thread.name = name
    thread.start()
  }

  /// Waits for the work to end and returns what it returned, or throws what it threw.
  public func join() throws -> Output {
    condition.lock()
    while outcome == nil { condition.wait() }
    let result = outcome!
    condition.unlock()
    return try result.get()
  }
}

/// Threads started one by one and joined together: work that may run beside what follows it, such as
/// hashing a finished master for the cache while the reports are written.
public final class BackgroundWork: @unchecked Sendable {
  private let lock = NSLock()
  private var threads: [BackgroundThread<Void>] = []

  /// Nothing started yet.
  public init() {}

  /// Starts `body` at once on a thread called `name`.
  public func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = BackgroundThread(name: name, body)
    lock.withLock { threads.append(thread) }
  }

  /// Waits for everything started so far.
  public func joinAll() {
    let started = lock.withLock {
      let all = threads
      threads.removeAll()
      return all
    }
    for thread in started { try? thread.join() }
  }
}
