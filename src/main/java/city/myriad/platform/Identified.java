package city.myriad.platform;

import java.util.UUID;

/** A view of something with an id: what a creating route answers, so that the edge can say where it lives. */
public interface Identified {
    UUID id();
}
