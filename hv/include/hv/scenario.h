/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario: the VMs a board runs, parsed at boot from a human-writable text
 * file (see docs in scenarios/README.md). The same parser runs in the
 * hypervisor and in the host tool `acrn-scenario`, so what the host validated
 * is exactly what the hypervisor re-validates.
 */
#ifndef HV_SCENARIO_H
#define HV_SCENARIO_H

#include <hv/types.h>

#define SCENARIO_MAX_VMS      8
#define SCENARIO_MAX_PCPUS    64
#define SCENARIO_NAME_LEN     32 /* VM name, NUL included */
#define SCENARIO_MODULE_LEN   64 /* boot module name, NUL included */
#define SCENARIO_BOOTARGS_LEN 512
#define SCENARIO_MAX_VCPUS    8

/*
 * Guest RAM is one block at guest-physical 0, so it must end below the first
 * MMIO page of the platform (test device at 0xFEB00000, docs/x86-vm-platform.md).
 */
#define SCENARIO_MIN_MEMORY MiB(2)
#define SCENARIO_MAX_MEMORY MiB(4074) /* 0xFEA00000 */

/* Defaults for keys a scenario may leave out. */
#define SCENARIO_DEFAULT_VUART_PORT 0x3f8
#define SCENARIO_DEFAULT_VUART_IRQ  4

enum vm_load_order {
	LOAD_PRE_LAUNCHED = 0,
	LOAD_SERVICE,
	LOAD_POST_LAUNCHED,
};

enum sched_mode {
	SCHED_PARTITIONED = 0, /* one vCPU per pCPU, no tick */
	SCHED_SHARED,          /* several vCPUs per pCPU, fair, tickless */
};

enum kernel_type {
	KERNEL_BZIMAGE = 0, /* Linux x86 boot protocol */
	KERNEL_RAW,         /* flat binary loaded at load_addr, entered in 32-bit flat mode */
	KERNEL_IMAGE,       /* RISC-V Linux Image: RAM base + 2 MiB, initrd and DT above */
	KERNEL_BRIDGE,      /* SERVICE only: the host plays it through the board bridge */
};

enum triple_fault_action {
	TRIPLE_FAULT_POWEROFF = 0,
	TRIPLE_FAULT_RESET,
};

struct scenario_vuart {
	bool enabled;
	uint16_t port_base; /* I/O port base, e.g. 0x3f8; 8 ports */
	uint8_t irq;        /* IOAPIC pin, 0..23 */
};

struct scenario_vm {
	char name[SCENARIO_NAME_LEN]; /* [a-zA-Z0-9_-]{1,31} */
	enum vm_load_order load_order;
	uint64_t cpu_affinity; /* bitmap of pCPUs; vCPU i runs on the i-th set bit */
	uint8_t nr_vcpus;      /* popcount(cpu_affinity), 1..SCENARIO_MAX_VCPUS; 0 for a bridge */
	uint64_t memory_size;  /* bytes, multiple of 2 MiB, MIN..MAX_MEMORY */
	enum kernel_type kernel_type;
	char kernel_mod[SCENARIO_MODULE_LEN]; /* boot module name; empty for post-launched */
	char initrd_mod[SCENARIO_MODULE_LEN]; /* optional, empty if none; bzimage only */
	char bootargs[SCENARIO_BOOTARGS_LEN]; /* printable ASCII; bzimage only */
	uint64_t load_addr;                   /* KERNEL_RAW only; inside RAM */
	struct scenario_vuart vuart;
	enum triple_fault_action on_triple_fault;
	bool test_device; /* MMIO test device at 0xFEB00000 */

	/* Source lines (1-based, 0 if absent), for messages about this VM after parsing. */
	unsigned line; /* the [vm NAME] header */
	unsigned kernel_line;
	unsigned initrd_line;
};

struct scenario {
	enum sched_mode sched;
	uint8_t log_level;       /* enum log_level: 0 err, 1 warn, 2 info, 3 debug */
	bool shutdown_when_idle; /* power the board off when every VM is off */
	uint8_t nr_vms;          /* 1..SCENARIO_MAX_VMS */
	struct scenario_vm vms[SCENARIO_MAX_VMS];
};

struct scenario_error {
	unsigned line; /* 1-based line of the problem, 0 if global */
	char msg[160]; /* without the line number; print as "line %u: %s" */
};

/**
 * Parse and validate scenario text.
 * @param text   the file contents, not necessarily NUL-terminated
 * @param len    length of text
 * @param nr_pcpus number of pCPUs available, 0 to skip pCPU range checks
 * @param out    filled on success; untouched on failure
 * @param err    filled with the first error found on failure (may be NULL)
 * @return 0 or a negative errno (-EINVAL for any syntax or semantic error)
 */
int scenario_parse(const char *text, size_t len, unsigned nr_pcpus, struct scenario *out,
                   struct scenario_error *err);

/**
 * Write @sc in the scenario format, normalized (every key, canonical values),
 * so that parsing the result gives @sc back. Like snprintf: @buf is always
 * NUL-terminated when @size > 0, and the return value is the length the full
 * text needs (excluding the NUL).
 */
size_t scenario_format(const struct scenario *sc, char *buf, size_t size);

/** The pCPU vCPU @vcpu of @vm runs on, or -EINVAL if the VM has no such vCPU. */
int scenario_vcpu_pcpu(const struct scenario_vm *vm, unsigned vcpu);

const char *scenario_load_order_name(enum vm_load_order order);
const char *scenario_sched_name(enum sched_mode mode);
const char *scenario_kernel_type_name(enum kernel_type type);
const char *scenario_log_level_name(unsigned level);

#endif
