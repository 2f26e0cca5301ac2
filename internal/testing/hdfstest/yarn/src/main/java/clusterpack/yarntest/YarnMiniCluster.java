package clusterpack.yarntest;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CommonConfigurationKeysPublic;
import org.apache.hadoop.hdfs.DFSConfigKeys;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * Runs a one-datanode HDFS and a YARN cluster (one ResourceManager, N
 * NodeManagers) in this JVM for clusterpack's Go tests
 * (internal/testing/hdfstest starts it with Config.YARN).
 *
 * <pre>
 * java -Dtest.build.data=DIR/yarn clusterpack.yarntest.YarnMiniCluster --dir DIR [--nodemanagers N] [--delete TOP]
 * </pre>
 *
 * Prints "PORT n" (the namenode's RPC port), one "CONF key value" line for
 * each ResourceManager address a client needs, "WORKDIR dir" (where the
 * NodeManagers keep their local and log directories) and then "READY".
 * It reads standard input and answers "ERR unknown command" to every line;
 * at the end of standard input it stops YARN and HDFS, deletes DIR and TOP
 * and exits, halting if that takes more than 20 seconds (a NodeManager can
 * wait for ever on applications it thinks are still running).
 */
public final class YarnMiniCluster {
  public static void main(String[] args) throws Exception {
    String dir = null;
    int nodeManagers = 1;
    String delete = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir": dir = args[++i]; break;
        case "--nodemanagers": nodeManagers = Integer.parseInt(args[++i]); break;
        case "--delete": delete = args[++i]; break;
        default:
          System.err.println("unknown argument " + args[i]);
          System.exit(2);
      }
    }
    if (dir == null || nodeManagers < 1) {
      System.err.println("--dir is required, --nodemanagers must be at least 1");
      System.exit(2);
    }

    Configuration conf = new Configuration();
    conf.setInt(DFSConfigKeys.DFS_REPLICATION_KEY, 1);
    conf.setInt(DFSConfigKeys.DFS_HEARTBEAT_INTERVAL_KEY, 1);
    conf.set(DFSConfigKeys.DFS_NAMENODE_RPC_BIND_HOST_KEY, "127.0.0.1");
    conf.set(DFSConfigKeys.DFS_DATANODE_HOST_NAME_KEY, "127.0.0.1");
    MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf, new File(dir, "dfs"))
        .numDataNodes(1)
        .build();
    dfs.waitActive();
    int port = dfs.getNameNodePort();

    YarnConfiguration yarnConf = new YarnConfiguration(conf);
    // Jobs stage their files in this HDFS, as on a real cluster.
    yarnConf.set(CommonConfigurationKeysPublic.FS_DEFAULT_NAME_KEY, "hdfs://127.0.0.1:" + port);
    // The ResourceManager on loopback ports chosen here: without fixed
    // ports MiniYARNCluster would put it on the host name.
    yarnConf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
    String[] rmKeys = {
      YarnConfiguration.RM_ADDRESS,
      YarnConfiguration.RM_SCHEDULER_ADDRESS,
      YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS,
      YarnConfiguration.RM_ADMIN_ADDRESS,
      YarnConfiguration.RM_WEBAPP_ADDRESS,
    };
    for (String key : rmKeys) {
      yarnConf.set(key, "127.0.0.1:" + freePort());
    }
    yarnConf.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
    // Room for an application master and two executors on a small machine.
    yarnConf.setInt(YarnConfiguration.NM_PMEM_MB, 4096);
    yarnConf.setInt(YarnConfiguration.NM_VCORES, 4);
    yarnConf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
    yarnConf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, 4096);
    yarnConf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    yarnConf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    // A full disk of the developer's must not mark the only node unhealthy.
    yarnConf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);

    MiniYARNCluster yarn = new MiniYARNCluster("clusterpack", 1, nodeManagers, 1, 1);
    yarn.init(yarnConf);
    yarn.start();
    if (!yarn.waitForNodeManagersToConnect(120_000)) {
      throw new IllegalStateException("the NodeManagers did not register within 2 minutes");
    }

    System.out.println("PORT " + port);
    Configuration running = yarn.getConfig();
    for (String key : rmKeys) {
      System.out.println("CONF " + key + " " + running.get(key));
    }
    System.out.println("WORKDIR " + yarn.getTestWorkDir().getAbsolutePath());
    System.out.println("READY");
    System.out.flush();

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (!line.trim().isEmpty()) {
        System.out.println("ERR unknown command " + line.trim());
        System.out.flush();
      }
    }

    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(20_000);
      } catch (InterruptedException e) {
        return;
      }
      System.err.println("YarnMiniCluster: shutdown took over 20 s, halting");
      Runtime.getRuntime().halt(1);
    });
    halt.setDaemon(true);
    halt.start();
    yarn.stop();
    dfs.shutdown(true);
    if (delete != null) {
      deleteTree(new File(delete));
    }
    System.exit(0);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
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
