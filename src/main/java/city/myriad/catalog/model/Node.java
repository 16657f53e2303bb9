package city.myriad.catalog.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A machine in a cluster with {@code gpus} cards of one model, each of 1000 milli-cards, and its place in the
 * topology (rack under one leaf switch, block of racks on one fabric). Written in bulk by the inventory import.
 */
@Entity
@Table(name = "nodes")
public class Node {
    @Id
    public UUID id;
    @Column(name = "cluster_id")
    public UUID clusterId;
    public String name;
    @Column(name = "gpu_model")
    public String gpuModel;
    public int gpus;
    /** Of its cards, how many are out of service (node_cards_out; kept by V72's trigger, never written here). */
    @Column(name = "cards_out", insertable = false, updatable = false)
    public int cardsOut;
    @Column(name = "cpu_milli")
    public long cpuMilli;
    @Column(name = "memory_mib")
    public long memoryMib;
    public String rack;
    public String block;
    public String state;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
