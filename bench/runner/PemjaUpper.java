// PemjaUpper: the PEMJA side of bench/runner.sh. It times
// PythonInterpreter.invoke("upper", s) with upper = str.upper, one call at
// a time on one thread, the way a Flink Python UDF is called, and prints
// one line per size: "pemja SIZE CALLS_PER_SECOND".
//
//   java -cp pemja.jar:. PemjaUpper PYTHON SITE_PACKAGES N SIZE...
//
// SITE_PACKAGES is where pip installed the pemja module (PEMJA imports it).
import pemja.core.PythonInterpreter;
import pemja.core.PythonInterpreterConfig;

public final class PemjaUpper {
    public static void main(String[] args) {
        String python = args[0];
        String site = args[1];
        int n = Integer.parseInt(args[2]);
        PythonInterpreterConfig config = PythonInterpreterConfig.newBuilder()
                .setPythonExec(python)
                .addPythonPaths(site)
                .setExcType(PythonInterpreterConfig.ExecType.MULTI_THREAD)
                .build();
        PythonInterpreter interp = new PythonInterpreter(config);
        interp.exec("upper = str.upper");
        for (int a = 3; a < args.length; a++) {
            int size = Integer.parseInt(args[a]);
            String s = "abcdefghij".repeat(size / 10);
            String want = s.toUpperCase();
            for (int i = 0; i < Math.min(n, 20000); i++) { // warm up
                interp.invoke("upper", s);
            }
            long start = System.nanoTime();
            Object last = null;
            for (int i = 0; i < n; i++) {
                last = interp.invoke("upper", s);
            }
            long ns = System.nanoTime() - start;
            if (!want.equals(last)) {
                throw new IllegalStateException("upper returned " + last);
            }
            System.out.printf("pemja %d %.0f%n", size, n / (ns / 1e9));
        }
        interp.close();
    }
}
