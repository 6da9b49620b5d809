package io.nodesync.log;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The {@link Log} contract, for {@link FileLog}, with small segments so that the tests also cross segment files. */
class LogContractFileLogTest extends LogContract {

    @TempDir
    Path dir;

    @Override
    protected Log createLog() {
        return FileLog.open(dir.resolve("node"), LogFixtures.NODE, FileLog.Options.defaults().withSegmentBytes(200));
    }
}
