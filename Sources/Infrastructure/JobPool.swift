// Infrastructure: no audio, no domain rules, no C.

/// A pool of `count` slots shared by everything that runs tracks, so that albums processed together never run
/// more than `--jobs` tracks at once between them.
public actor JobSlots {
  private var free: Int
  private var waiting: [CheckedContinuation<Void, Never>] = []

  /// A pool of `count` slots (at least one).
  public init(_ count: Int) { free = max(1, count) }

  /// Waits for a free slot and takes it.
  public func acquire() async {
    if free > 0 {
      free -= 1
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }

  /// Gives a slot back, to the longest waiter first.
  public func release() {
    if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
  }
}

/// Runs `body` over `items`, results in input order: at most `jobs` in flight, or, with `slots`, as many as the
/// shared pool allows.
public func forEachConcurrently<T: Sendable, R: Sendable>(
  _ items: [T], jobs: Int, slots: JobSlots? = nil, _ body: @escaping @Sendable (T) async -> R
) async -> [R] {
  if let slots {
    return await withTaskGroup(of: (Int, R).self) { group in
      for (i, item) in items.enumerated() {
        group.addTask {
          await slots.acquire()
          let r = await body(item)
          await slots.release()
          return (i, r)
        }
      }
      var results = [R?](repeating: nil, count: items.count)
      for await (i, r) in group { results[i] = r }
      return results.map { $0! }
    }
  }
  return await withTaskGroup(of: (Int, R).self) { group in
    var results = [R?](repeating: nil, count: items.count)
    var next = 0
    for _ in 0..<min(max(1, jobs), items.count) {
      let i = next, item = items[i]
      group.addTask { (i, await body(item)) }
      next += 1
    }
    while let (i, r) = await group.next() {
      results[i] = r
      if next < items.count {
        let j = next, item = items[j]
        group.addTask { (j, await body(item)) }
        next += 1
      }
    }
    return results.map { $0! }
  }
}
