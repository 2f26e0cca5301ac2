package clusterpack.hdfstest;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.DFSConfigKeys;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.protocol.HdfsConstants.SafeModeAction;

/**
 * Runs a one-datanode HDFS on loopback for clusterpack's Go tests
 * (internal/testing/hdfstest starts it).
 *
 * <pre>
 * java clusterpack.hdfstest.MiniCluster --dir DIR [--port N] [--xattrs true|false] [--delete TOP]
 * </pre>
 *
 * Prints "PORT n" (the namenode's RPC port, free unless --port is given) and
 * then "READY" on standard output. Then reads one command a line from
 * standard input and answers "OK" or "ERR message":
 *
 * <ul>
 * <li>"safemode enter", "safemode leave": the namenode's safe mode;
 * <li>"namenode stop": the namenode shuts down (its port refuses connections),
 *     the datanode keeps running;
 * <li>"namenode start": the namenode starts again on the same port with the
 *     same metadata, and the answer comes once it is active.
 * </ul>
 *
 * At the end of standard input (the Go test closed the pipe, or exited or
 * died, which closes it too) it shuts the cluster down, deletes DIR and
 * exits, deleting TOP too (a directory the Go side made around DIR); if
 * shutting down takes more than 20 seconds it halts.
 */
public final class MiniCluster {
  public static void main(String[] args) throws Exception {
    String dir = null;
    int port = 0;
    boolean xattrs = true;
    String delete = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir": dir = args[++i]; break;
        case "--port": port = Integer.parseInt(args[++i]); break;
        case "--xattrs": xattrs = Boolean.parseBoolean(args[++i]); break;
        case "--delete": delete = args[++i]; break;
        default:
          System.err.println("unknown argument " + args[i]);
          System.exit(2);
      }
    }
    if (dir == null) {
      System.err.println("--dir is required");
      System.exit(2);
    }

    Configuration conf = new Configuration();
    conf.setBoolean(DFSConfigKeys.DFS_NAMENODE_XATTRS_ENABLED_KEY, xattrs);
    conf.setInt(DFSConfigKeys.DFS_REPLICATION_KEY, 1);
    // Leave safe mode as soon as the datanode reported after a restart.
    conf.setInt(DFSConfigKeys.DFS_NAMENODE_SAFEMODE_EXTENSION_KEY, 0);
    conf.setInt(DFSConfigKeys.DFS_HEARTBEAT_INTERVAL_KEY, 1);
    // Everything on loopback: the Go client dials the addresses it is given.
    conf.set(DFSConfigKeys.DFS_NAMENODE_RPC_BIND_HOST_KEY, "127.0.0.1");
    conf.set(DFSConfigKeys.DFS_DATANODE_HOST_NAME_KEY, "127.0.0.1");

    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, new File(dir))
        .numDataNodes(1)
        .nameNodePort(port)
        .build();
    cluster.waitActive();
    port = cluster.getNameNodePort();

    System.out.println("PORT " + port);
    System.out.println("READY");
    System.out.flush();

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      line = line.trim();
      if (line.isEmpty()) {
        continue;
      }
      try {
        switch (line) {
          case "safemode enter":
            cluster.getNameNodeRpc().setSafeMode(SafeModeAction.SAFEMODE_ENTER, false);
            break;
          case "safemode leave":
            cluster.getNameNodeRpc().setSafeMode(SafeModeAction.SAFEMODE_LEAVE, false);
            break;
          case "namenode stop":
            cluster.shutdownNameNode(0);
            break;
          case "namenode start":
            cluster.restartNameNode(0, true);
            if (cluster.getNameNodePort() != port) {
              throw new IllegalStateException("the namenode came back on port "
                  + cluster.getNameNodePort() + ", not " + port);
            }
            break;
          default:
            throw new IllegalArgumentException("unknown command " + line);
        }
        System.out.println("OK");
      } catch (Exception e) {
        System.out.println("ERR " + String.valueOf(e).replace('\n', ' '));
      }
      System.out.flush();
    }

    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(20_000);
      } catch (InterruptedException e) {
        return;
      }
      System.err.println("MiniCluster: shutdown took over 20 s, halting");
      Runtime.getRuntime().halt(1);
    });
    halt.setDaemon(true);
    halt.start();
    cluster.shutdown(true);
    if (delete != null) {
      deleteTree(new File(delete));
    }
    System.exit(0);
  }

  private static void deleteTree(File f) {
    File[] children = f.listFiles();
    if (children != null) {
      for (File c : children) {
        if (!java.nio.file.Files.isSymbolicLink(c.toPath())) {
          deleteTree(c);
        } else {
          c.delete();
        }
      }
    }
    f.delete();
  }
}
