/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dm/core's private view of a VM: the I/O tables, hooks, power state and
 * the ioreq thread, and the entry points main.c strings together. Devices
 * never include this; they use vm.h, io.h and pci.h.
 */
#ifndef DM_CORE_H
#define DM_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include <acrn/vm.h>
#include <dm/io.h>
#include <dm/vm.h>
#include <glib.h>

/* Sorted, non-overlapping ranges. */
struct dm_io_table {
	struct dm_io_range *r;
	size_t n, cap;
};

/* An eventfd that dispatch signals itself (the transport has no ioeventfd). */
struct dm_io_evfd {
	bool posted; /* the transport signals it; else dispatch does */
	bool pio, datamatch;
	unsigned len;
	uint64_t addr, data;
	int fd;
};

enum dm_vm_state {
	DM_VM_CREATED,
	DM_VM_RUNNING,
	DM_VM_PAUSED,
	DM_VM_SUSPENDED,
	DM_VM_STOPPED, /* destroyed: powered off, or failed */
};

/* A power transition only the core asks for: leave S3 at the guest's waking vector. */
#define DM_POWER_WAKEUP 100

struct dm_hook {
	dm_vm_hook_fn fn;
	void *opaque;
};

/*
 * Software (re)load after a reset or S3 wakeup: write the kernel and
 * zero page again and set the BSP's registers. Set by main.c.
 */
typedef int (*dm_vm_boot_fn)(struct dm_vm *vm, void *opaque);
/* The VM is gone (status 0: powered off, else a negative errno). On the ioreq thread. */
typedef void (*dm_vm_stopped_fn)(struct dm_vm *vm, int status, void *opaque);

struct dm_vm_core {
	GMutex lock; /* hooks, state, the unclaimed-address set */
	GArray *reset_hooks, *teardown_hooks;
	enum dm_vm_state state;

	struct dm_io_table pio, mmio;
	GArray *evfds;         /* struct dm_io_evfd, posted or not */
	GHashTable *unclaimed; /* "p"/"m" + address, logged once */

	int power_req;            /* enum dm_power; written under lock, read atomically */
	const char *power_reason; /* why, for the events (api/monitor.md), under lock */
	int stop;                 /* atomic: the ioreq thread ends */
	int done;                 /* atomic: the ioreq thread has ended */
	GThread *thread;
	int loop_status;

	dm_vm_boot_fn boot;
	void *boot_opaque;
	dm_vm_stopped_fn stopped;
	void *stopped_opaque;
	bool ram_mapped;
};

/* vm.c */
/*
 * Create the VM through @t: @ncpus vCPUs (0: what the hypervisor gives)
 * on the pCPUs in @cpu_affinity (0: the VM slot's default).
 */
int dm_vm_create(struct dm_vm *vm, struct dm_transport *t, const char *name, unsigned ncpus,
                 uint64_t cpu_affinity, GError **error);
/* Teardown hooks (reverse order), destroy the VM, close the transport, free the core. */
void dm_vm_destroy(struct dm_vm *vm);
void dm_vm_set_boot(struct dm_vm *vm, dm_vm_boot_fn fn, void *opaque);
void dm_vm_set_stopped(struct dm_vm *vm, dm_vm_stopped_fn fn, void *opaque);
int dm_vm_start(struct dm_vm *vm);
enum dm_vm_state dm_vm_state(struct dm_vm *vm);
/*
 * dm_vm_request_power with the reason the events carry ("signal",
 * "destroy", ...). Without one: "guest" from the ioreq thread (a device
 * acting for the guest), else "destroy" (the monitor).
 */
void dm_vm_request_power_why(struct dm_vm *vm, enum dm_power what, const char *reason);
/* Take the pending power request (NONE if there is none) and its reason. */
enum dm_power dm_vm_take_power(struct dm_vm *vm, const char **reason);
/* Act on a power request now (ioreq thread). Returns true if the loop must end. */
bool dm_vm_handle_power(struct dm_vm *vm, enum dm_power what, const char *reason);
const char *dm_vm_state_name(enum dm_vm_state s);

/* mem.c */
/* Allocate @size bytes of guest RAM (2 MiB multiple) and map it with the x86 layout. */
int dm_mem_setup(struct dm_vm *vm, uint64_t size, GError **error);

/* io.c */
void dm_io_init(struct dm_vm *vm);
void dm_io_fini(struct dm_vm *vm);
/* The range holding @addr, or NULL (O(log n)). */
const struct dm_io_range *dm_io_find(const struct dm_io_table *t, uint64_t addr);

/* ioreq.c: the thread that waits for and dispatches ioreqs. */
int dm_ioreq_start(struct dm_vm *vm, GError **error);
/* Ask the thread to end and join it; returns its status (0 or negative errno). */
int dm_ioreq_stop(struct dm_vm *vm);
/* One pass over the ioreq page: dispatch every PROCESSING slot. Returns slots handled. */
int dm_ioreq_scan(struct dm_vm *vm);

/* loader_bzimage.c */
struct dm_boot_cfg {
	const char *kernel;  /* path */
	const char *initrd;  /* path or NULL */
	const char *cmdline; /* or NULL */
	uint64_t rsdp_gpa;   /* 0: none */
};

/* GDT, zero page and command line sit in low RAM where Linux keeps them reserved. */
#define DM_BOOT_GDT_GPA     0x6000ULL
#define DM_BOOT_PARAMS_GPA  0x7000ULL
#define DM_BOOT_CMDLINE_GPA 0x8000ULL
#define DM_BOOT_CMDLINE_MAX 0x8000ULL /* bytes, NUL included */
#define DM_BOOT_CS          0x10
#define DM_BOOT_DS          0x18

/*
 * Load a bzImage (and initrd and command line) from files into guest RAM,
 * build the zero page, and fill @regs with the BSP's 32-bit entry state.
 * Errors name the file and the header field at fault.
 */
int dm_bzimage_load(struct dm_vm *vm, const struct dm_boot_cfg *cfg, struct acrn_vcpu_regs *regs,
                    GError **error);
/* The same from memory (tests, and the file path above). */
int dm_bzimage_load_mem(struct dm_vm *vm, const uint8_t *kernel, size_t ksize,
                        const uint8_t *initrd, size_t isize, const char *cmdline, uint64_t rsdp_gpa,
                        struct acrn_vcpu_regs *regs, GError **error);

#endif
