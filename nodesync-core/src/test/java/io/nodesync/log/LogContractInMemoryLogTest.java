package io.nodesync.log;

/** The {@link Log} contract, for {@link InMemoryLog}. */
class LogContractInMemoryLogTest extends LogContract {

    @Override
    protected Log createLog() {
        return new InMemoryLog();
    }
}
