/** Runnable mains behind the {@code ./nodesync} launcher: the demo now; the node process and benchmark later. */
package io.nodesync.examples;
