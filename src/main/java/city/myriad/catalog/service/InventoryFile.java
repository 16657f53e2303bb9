package city.myriad.catalog.service;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.catalog.model.NodeSpec;
import city.myriad.platform.TextRules;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a cluster inventory in the cluster file format ({@code node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,
 * block}, one header line) and checks every rule before anything is written: a file is taken whole or not at
 * all, and a bad file is answered with every bad row and why.
 */
public final class InventoryFile {

    static final List<String> COLUMNS = List.of("node_id", "gpu_model", "gpus", "cpu_milli", "memory_mib", "rack",
            "block");
    /** Listing more than this many violations helps nobody; the count says how many there were. */
    static final int MAX_LISTED = 200;
    static final int MAX_CARDS_PER_NODE = 64;
    static final int MAX_NAME = 128;
    static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0," + (MAX_NAME - 1) + "}");

    private InventoryFile() {}

    /** Reads the file's bytes, which must be UTF-8: a byte that is not is refused, never stored as U+FFFD. */
    public static List<NodeSpec> parse(byte[] bytes) {
        String body;
        try {
            body = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new MyriadProblem.Validation(ProblemCode.INVALID_CHARACTER,
                    "The inventory file is not valid UTF-8; save it as UTF-8 and send it again");
        }
        return parse(body);
    }

    public static List<NodeSpec> parse(String body) {
        if (body == null || body.isBlank()) {
            throw new MyriadProblem.Validation(ProblemCode.EMPTY_INVENTORY, "The inventory file is empty; expected a header line "
                    + String.join(",", COLUMNS) + " and one line per node");
        }
        String[] lines = body.split("\r?\n", -1);
        String header = lines[0].startsWith("\uFEFF") ? lines[0].substring(1) : lines[0];
        List<String> columns = List.of(header.strip().split(",", -1));
        if (!columns.equals(COLUMNS)) {
            throw new MyriadProblem.Validation(ProblemCode.INVALID_INVENTORY_HEADER,
                    "The first line must be exactly: " + String.join(",", COLUMNS),
                    List.of(new Violation(1, "header", "got '" + abbreviate(header) + "'")));
        }
        List<NodeSpec> rows = new ArrayList<>(lines.length);
        List<Violation> violations = new ArrayList<>();
        int[] violationCount = {0};
        Map<String, Integer> firstLineOfNode = new HashMap<>();
        Map<String, String> blockOfRack = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int line = i + 1;
            String text = lines[i];
            if (text.isBlank()) {
                continue;
            }
            List<Violation> rowErrors = new ArrayList<>();
            NodeSpec row = row(line, text, rowErrors);
            if (row != null) {
                Integer seen = firstLineOfNode.putIfAbsent(row.name(), line);
                if (seen != null) {
                    rowErrors.add(new Violation(line, "node_id", "duplicate node '" + row.name() + "', first on line " + seen));
                }
                String block = blockOfRack.putIfAbsent(row.rack(), row.block());
                if (block != null && !block.equals(row.block())) {
                    rowErrors.add(new Violation(line, "block", "rack '" + row.rack() + "' is already in block '"
                            + block + "'; a rack belongs to one block"));
                }
            }
            if (rowErrors.isEmpty()) {
                rows.add(row);
            } else {
                violationCount[0] += rowErrors.size();
                for (Violation v : rowErrors) {
                    if (violations.size() < MAX_LISTED) {
                        violations.add(v);
                    }
                }
            }
        }
        if (!violations.isEmpty()) {
            throw new MyriadProblem.Validation(ProblemCode.INVALID_INVENTORY, violationCount[0] + " problem(s) in the inventory"
                    + (violationCount[0] > MAX_LISTED ? ", the first " + MAX_LISTED + " listed" : "")
                    + "; nothing was imported", violations);
        }
        if (rows.isEmpty()) {
            throw new MyriadProblem.Validation(ProblemCode.EMPTY_INVENTORY, "The inventory file has a header but no nodes");
        }
        return rows;
    }

    private static NodeSpec row(int line, String text, List<Violation> errors) {
        String[] f = text.split(",", -1);
        if (f.length != COLUMNS.size()) {
            errors.add(new Violation(line, null, "expected " + COLUMNS.size() + " fields, got " + f.length));
            return null;
        }
        String name = f[0].strip();
        String model = f[1].strip();
        identifier(line, "node_id", name, errors);
        Integer gpus = integer(line, "gpus", f[2], 0, MAX_CARDS_PER_NODE, errors);
        Long cpu = longValue(line, "cpu_milli", f[3], errors);
        Long mem = longValue(line, "memory_mib", f[4], errors);
        String rack = f[5].strip();
        String block = f[6].strip();
        identifier(line, "rack", rack, errors);
        identifier(line, "block", block, errors);
        if (gpus != null && gpus > 0 && model.isEmpty()) {
            errors.add(new Violation(line, "gpu_model", "a node with cards needs its card model"));
        }
        if (gpus != null && gpus == 0 && !model.isEmpty()) {
            errors.add(new Violation(line, "gpu_model", "a node without cards has no card model"));
        }
        if (!model.isEmpty()) {
            identifier(line, "gpu_model", model, errors);
        }
        if (!errors.isEmpty()) {
            return null;
        }
        return new NodeSpec(name, model.isEmpty() ? null : model, gpus, cpu, mem, rack, block);
    }

    /**
     * Node ids, card models, racks and blocks are identifiers: they appear in every tenant's capacity view and in
     * CSV exports, so they may not hold control characters or spaces, nor start like a spreadsheet formula
     * ({@code = + - @}, OWASP CSV injection).
     */
    private static void identifier(int line, String field, String value, List<Violation> errors) {
        if (!IDENTIFIER.matcher(value).matches()) {
            String why = value.isEmpty() ? "must not be empty"
                    : TextRules.looksLikeFormula(value) ? "must not start with = + - @ (it would be read as a spreadsheet formula)"
                    : TextRules.problem(value, false) != null ? TextRules.problem(value, false)
                    : "must be 1 to " + MAX_NAME + " characters: letters, digits, '.', '_', ':', '/' and '-', "
                            + "starting with a letter or digit";
            errors.add(new Violation(line, field, why));
        }
    }

    private static Integer integer(int line, String field, String raw, int min, int max, List<Violation> errors) {
        try {
            int v = Integer.parseInt(raw.strip());
            if (v < min || v > max) {
                errors.add(new Violation(line, field, "must be between " + min + " and " + max + ", got " + v));
                return null;
            }
            return v;
        } catch (NumberFormatException e) {
            errors.add(new Violation(line, field, "must be a whole number, got '" + abbreviate(raw) + "'"));
            return null;
        }
    }

    private static Long longValue(int line, String field, String raw, List<Violation> errors) {
        try {
            long v = Long.parseLong(raw.strip());
            if (v < 0) {
                errors.add(new Violation(line, field, "must not be negative, got " + v));
                return null;
            }
            return v;
        } catch (NumberFormatException e) {
            errors.add(new Violation(line, field, "must be a whole number, got '" + abbreviate(raw) + "'"));
            return null;
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    /** The distinct card models and the total of cards in a valid file. */
    static Set<String> models(List<NodeSpec> rows) {
        Set<String> models = new HashSet<>();
        rows.forEach(r -> {
            if (r.gpuModel() != null) {
                models.add(r.gpuModel());
            }
        });
        return models;
    }
}
