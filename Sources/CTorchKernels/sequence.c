// A process-wide counter without Swift's exclusivity checks on a global.
#include "CTorchKernels.h"

static int64_t sequence_counter;

int64_t st_next_sequence_nr(void) { return __atomic_add_fetch(&sequence_counter, 1, __ATOMIC_RELAXED); }
