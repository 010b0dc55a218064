package io.chorus.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads how much CPU time a process has used so far, so a run can report the load generator's own cost
 * and the server's in CPU-seconds per million messages.
 *
 * <p>On Linux it reads {@code utime} and {@code stime} from {@code /proc/PID/stat}, which count every
 * thread of the process in clock ticks ({@code USER_HZ}, 100 per second on Linux). For the generator
 * itself it falls back to {@code OperatingSystemMXBean.getProcessCpuTime()} where {@code /proc} is
 * missing.
 */
final class ProcessCpu {

    /** Nanoseconds per clock tick: Linux reports {@code /proc} times in USER_HZ = 100 per second. */
    static final long TICK_NANOS = 10_000_000L;

    private ProcessCpu() {
    }

    /**
     * CPU time used so far by one process.
     *
     * @param userNanos   time in user mode
     * @param systemNanos time in the kernel on its behalf
     */
    record Sample(long userNanos, long systemNanos) {
        long totalNanos() {
            return userNanos + systemNanos;
        }
    }

    /** The generator's own CPU use so far, or null if unknown. */
    static Sample self() {
        Sample fromProc = read("self");
        if (fromProc != null) {
            return fromProc;
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getProcessCpuTime();
            return total < 0 ? null : new Sample(total, 0);
        }
        return null;
    }

    /** The CPU use so far of process {@code pid}, or null if it cannot be read (no such process, no /proc). */
    static Sample of(long pid) {
        return pid > 0 ? read(Long.toString(pid)) : null;
    }

    /**
     * The CPU use so far of all of {@code pids} added up, or null if there are none or one cannot be read:
     * a sum that silently missed a node would understate the cost.
     */
    static Sample of(List<Long> pids) {
        if (pids.isEmpty()) {
            return null;
        }
        long user = 0;
        long system = 0;
        for (long pid : pids) {
            Sample one = of(pid);
            if (one == null) {
                return null;
            }
            user += one.userNanos();
            system += one.systemNanos();
        }
        return new Sample(user, system);
    }

    private static Sample read(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"), StandardCharsets.US_ASCII);
            // The command name, field 2, is in parentheses and may hold spaces: split after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            // fields[0] is field 3 (state); utime is field 14, stime field 15.
            return new Sample(Long.parseLong(fields[11]) * TICK_NANOS, Long.parseLong(fields[12]) * TICK_NANOS);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The CPU both sides used during a measured window.
     *
     * @param generator the load generator's use, or null if unknown
     * @param server    the server's use (all its processes), or null if no server pid was given or one could not be read
     */
    record Use(Sample generator, Sample server) {
        static final Use UNKNOWN = new Use(null, null);

        /** Takes the first reading of a window. */
        static Use start(List<Long> serverPids) {
            return new Use(self(), of(serverPids));
        }

        /** The use since {@code this} was taken, for a window that ends now. */
        Use since(List<Long> serverPids) {
            return new Use(minus(self(), generator), minus(of(serverPids), server));
        }

        private static Sample minus(Sample end, Sample start) {
            return end == null || start == null ? null
                    : new Sample(end.userNanos() - start.userNanos(), end.systemNanos() - start.systemNanos());
        }

        /** Adds the CPU fields to a report; {@code messages} is what the per-million figures divide by. */
        Report addTo(Report report, long messages, String unit) {
            add(report, "generator", "load generator", generator, messages, unit);
            add(report, "server", "server", server, messages, unit);
            return report;
        }

        private static void add(Report report, String key, String label, Sample cpu, long messages, String unit) {
            if (cpu == null) {
                report.field(key + "_cpu_s", null, null);
                return;
            }
            double seconds = cpu.totalNanos() / 1e9;
            report.field(key + "_cpu_s", label + " CPU s", seconds);
            report.field(key + "_cpu_system_s", "  of it in the kernel", cpu.systemNanos() / 1e9);
            report.field(key + "_cpu_s_per_million", "  CPU s per million " + unit,
                    messages == 0 ? null : seconds / (messages / 1e6));
        }
    }
}
