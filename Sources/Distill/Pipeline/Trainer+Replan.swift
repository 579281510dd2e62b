extension Trainer {
    /// The same run (weights, AdamW moments, step, data position) with a new length and warm-up: what a
    /// time budget becomes once the first steps have been timed. Steps already taken were all inside the
    /// warm-up, where the schedule does not depend on the total, so nothing done is inconsistent.
    func replanned(totalSteps: Int, warmupSteps: Int) throws -> Trainer {
        var config = self.config
        config.totalSteps = totalSteps
        config.optimizer.warmupSteps = warmupSteps
        let next = try Trainer(model: model, config: config, data: data, step: step, tokensSeen: tokensSeen,
                               cursor: cursor)
        next.optimizer.m.copy(from: optimizer.m)
        next.optimizer.v.copy(from: optimizer.v)
        return next
    }
}

