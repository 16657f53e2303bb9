package city.myriad.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** A standalone SVG of cluster utilization (top) and pending jobs (bottom) over simulated time. */
final class Plot {

    private Plot() {}

    static void write(Path file, String title, List<Replay.Sample> samples) {
        int w = 900;
        int h = 220;
        double t0 = samples.isEmpty() ? 0 : samples.get(0).timeS();
        double t1 = samples.isEmpty() ? 1 : Math.max(t0 + 1, samples.get(samples.size() - 1).timeS());
        int maxPending = Math.max(1, samples.stream().mapToInt(Replay.Sample::pending).max().orElse(1));
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='12'>%n", w + 80, 2 * h + 110));
        s.append(String.format(Locale.ROOT, "<text x='40' y='20' font-size='15'>%s</text>%n", escape(title)));
        panel(s, samples, 40, 40, w, h, t0, t1, 1.0, true, "utilization (allocated / all milli-cards)", "#1f77b4");
        panel(s, samples, 40, 70 + h, w, h, t0, t1, maxPending, false, "pending jobs (max " + maxPending + ")", "#d62728");
        s.append(String.format(Locale.ROOT, "<text x='%d' y='%d'>simulated time: %.1f days</text>%n", 40 + w / 2 - 60, 2 * h + 105, (t1 - t0) / 86400));
        s.append("</svg>\n");
        try {
            Files.writeString(file, s.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void panel(StringBuilder s, List<Replay.Sample> samples, int x, int y, int w, int h, double t0,
            double t1, double max, boolean utilization, String label, String color) {
        s.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#999'/>%n", x, y, w, h));
        s.append(String.format(Locale.ROOT, "<text x='%d' y='%d'>%s</text>%n", x + w - 5, y + 15, escape(label))
                .replace("<text ", "<text text-anchor='end' "));
        for (int i = 0; i <= 4; i++) {
            double v = max * i / 4;
            int yy = y + h - h * i / 4;
            s.append(String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='end' font-size='10'>%s</text>%n", x - 3, yy + 3,
                    utilization ? String.format(Locale.ROOT, "%.0f%%", v * 100) : String.format(Locale.ROOT, "%.0f", v)));
        }
        double days = (t1 - t0) / 86400;
        double every = days <= 14 ? 1 : Math.ceil(days / 14);
        for (double d = 0; d <= days; d += every) {
            double xx = x + w * d * 86400 / (t1 - t0);
            s.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#ddd'/>%n", xx, y, xx, y + h));
            s.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' text-anchor='middle' font-size='10'>day %.0f</text>%n", xx, y + h + 12, d));
        }
        // One column per pixel: the samples in it draw as a vertical stroke from their lowest to their highest value,
        // so that no spike or dip disappears however many samples share the pixel.
        StringBuilder pts = new StringBuilder();
        int i = 0;
        while (i < samples.size()) {
            int column = (int) Math.min(w, Math.floor(w * (samples.get(i).timeS() - t0) / (t1 - t0)));
            double first = value(samples.get(i), utilization);
            double lo = first;
            double hi = first;
            double last = first;
            int j = i + 1;
            while (j < samples.size() && (int) Math.min(w, Math.floor(w * (samples.get(j).timeS() - t0) / (t1 - t0))) == column) {
                last = value(samples.get(j), utilization);
                lo = Math.min(lo, last);
                hi = Math.max(hi, last);
                j++;
            }
            for (double v : new double[] {first, lo, hi, last}) {
                pts.append(String.format(Locale.ROOT, "%d,%.1f ", x + column, y + h - h * Math.min(1, v / max)));
            }
            i = j;
        }
        s.append(String.format(Locale.ROOT, "<polyline fill='none' stroke='%s' stroke-width='1.2' points='%s'/>%n", color, pts));
    }

    private static double value(Replay.Sample p, boolean utilization) {
        return utilization ? p.utilization() : p.pending();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;");
    }
}
