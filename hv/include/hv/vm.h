/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual machines: creation from the scenario, lifecycle and the
 * arch-neutral pieces of their platform (RAM, stage-2 tables, I/O buses,
 * console vUART).
 */
#ifndef HV_VM_H
#define HV_VM_H

#include <acrn/ioreq.h>
#include <acrn/sbuf.h>
#include <arch/vm.h>
#include <hv/io.h>
#include <hv/pgtable.h>
#include <hv/scenario.h>
#include <hv/spinlock.h>
#include <hv/types.h>
#include <hv/vcpu.h>
#include <hv/vuart.h>

#define MAX_VMS SCENARIO_MAX_VMS

enum vm_state {
	VM_CREATED,
	VM_RUNNING,
	VM_PAUSED,
	VM_POWERED_OFF,
	VM_STOPPING, /* vCPUs are leaving; the last one decides (stop_mode) */
};

/* What the last vCPU to stop does with the VM (see vm_stop). */
enum vm_stop_mode {
	VM_STOP_POWEROFF,
	VM_STOP_RESET, /* start again from the scenario (pre-launched and Service VMs) */
	VM_STOP_PAUSE, /* keep it for the Service VM: RESET_VM, DESTROY_VM */
};

/*
 * One block of guest RAM: [gpa, gpa + size) is host-contiguous at hpa. A
 * pre-launched VM has one, at GPA 0; a post-launched VM gets Service VM
 * memory in as many blocks as HC_VM_SET_MEMORY_REGIONS adds (adjacent
 * ones merged).
 */
struct vm_ram_region {
	uint64_t gpa;
	uint64_t size;
	paddr_t hpa;
	unsigned prot; /* PGT_* */
};

#define VM_MAX_RAM_REGIONS 32

/* A posted-write registration (HC_ASYNCIO_ASSIGN). */
struct vm_asyncio {
	bool used;
	uint32_t type; /* ACRN_ASYNCIO_PIO or ACRN_ASYNCIO_MMIO */
	bool match_data;
	uint64_t addr;
	uint64_t data;
	uint64_t fd;
};

/* The hypervisor's view of a shared ring in Service VM memory (header fields it checked). */
struct vm_sbuf {
	struct shared_buf *hdr; /* NULL: not set up */
	uint32_t ele_size;
	uint32_t size;
	uint32_t tail; /* ours: the Service VM cannot move the producer */
};

/*
 * Page-aligned, with what a device exit touches first: the buses, the
 * arch's devices and the first vCPUs share the struct's first page (on an
 * emulated board every page touched after a world switch costs a walk).
 */
struct vm {
	vmid_t id;
	bool post_launched; /* cfg->load_order is LOAD_POST_LAUNCHED (cfg lies on another page) */
	const struct scenario_vm *cfg;
	struct io_bus mmio;
	struct io_bus pio;
	struct vm_arch arch;
	volatile enum vm_state state;
	struct spinlock lock;
	volatile unsigned vcpus_online;

	unsigned nr_vcpus;
	struct vcpu vcpus[SCENARIO_MAX_VCPUS];

	bool created; /* the slot holds a VM (post-launched slots are empty until CREATE_VM) */
	enum vm_stop_mode stop_mode;
	bool triple_faulted; /* why it stops: its Service VM gets ACRN's TRIPLE_FAULT event */

	/* Pre-launched and Service VMs: RAM the hypervisor allocated, mapped at GPA 0. */
	paddr_t ram_hpa;
	uint64_t ram_size;
	/* Every VM: what its stage 2 maps as RAM; mem_lock guards the list and stage2. */
	struct spinlock mem_lock;
	struct vm_ram_region ram[VM_MAX_RAM_REGIONS];
	unsigned nr_ram;
	uint64_t ram_total;
	struct pgtable stage2;

	/* Post-launched VMs: the Service VM side (hv/core/ioreq.c, hc_*.c). */
	struct vm *service;
	uint64_t guest_flags; /* the device model's GUEST_FLAG_* from CREATE_VM */
	struct acrn_io_request_buffer *ioreq_page; /* in Service VM memory; NULL: not set */
	struct spinlock asyncio_lock;              /* the registrations and both rings */
	struct vm_asyncio asyncio[ACRN_ASYNCIO_MAX];
	struct vm_sbuf asyncio_sbuf;
	struct vm_sbuf event_sbuf; /* ACRN_VM_EVENT */

	struct spinlock uart_lock;
	struct vuart uart;
	char con_line[200];
	unsigned con_len;

	/*
	 * Service VM only: tell it that ioreqs or VM events wait. A Service VM
	 * with vCPUs gets ACRN's upcall vector; the board bridge's rings a
	 * doorbell to the host.
	 */
	void (*upcall)(struct vm *service);
} __attribute__((aligned(PAGE_SIZE)));

extern struct vm vms[MAX_VMS];
extern unsigned nr_vms;
extern struct scenario hv_scenario;

/* An empty slot for scenario VM @cfg: not created, powered off. */
void vm_slot_init(struct vm *vm, vmid_t id, const struct scenario_vm *cfg);
int vm_create(struct vm *vm, vmid_t id, const struct scenario_vm *cfg);
/*
 * Create a post-launched VM in its scenario slot, with no RAM yet and the
 * vCPUs on the pCPUs of @affinity (a subset of the slot's, already checked).
 */
int vm_create_post(struct vm *vm, struct vm *service, uint64_t affinity, uint64_t flags);
/* Undo vm_create_post: the VM must be stopped. Its RAM is zeroed and unmapped. */
void vm_destroy(struct vm *vm);
/* Load the kernel (unless post-launched: the device model did) and start vCPU 0. */
int vm_start(struct vm *vm);
/* Stop every vCPU and power the VM off (or reset it); callable from any pCPU. */
void vm_poweroff(struct vm *vm, const char *reason);
void vm_reset(struct vm *vm, const char *reason);
/*
 * Stop a running VM and wait until every vCPU has stopped; the VM ends
 * PAUSED. Callable from a hypercall on any pCPU, also one a target vCPU
 * shares (that vCPU is not running, so it is stopped here directly).
 * -EBUSY if the VM is not running.
 */
int vm_pause(struct vm *vm);
/*
 * A paused VM runs on exactly where it stopped: each vCPU online at the
 * pause comes back running, halted or waiting for its ioreq as it was, with
 * its registers, FPU state, pending interrupts and LAPIC timer; vCPUs that
 * were offline stay offline. -EBUSY unless PAUSED.
 */
int vm_resume(struct vm *vm);
/* A paused post-launched VM back to CREATED: vCPUs and devices at reset state. */
int vm_reset_post(struct vm *vm);

/* Guest RAM (hv/core/vm_mem.c). */
/* Map [gpa, gpa+size) to host [hpa, ...) as RAM; -EEXIST on overlap, -ENOSPC when full. */
int vm_ram_add(struct vm *vm, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned prot);
/* Unmap [gpa, gpa+size), which must lie inside one block. */
int vm_ram_del(struct vm *vm, uint64_t gpa, uint64_t size);
/* Change the rights of [gpa, gpa+size), which must lie inside one block. */
int vm_ram_modify(struct vm *vm, uint64_t gpa, uint64_t size, unsigned prot);
/* Unmap all RAM, zeroing it first if @zero. */
void vm_ram_clear(struct vm *vm, bool zero);
/* Host physical address of RAM gpa, or ACRN_INVALID_HPA. */
uint64_t vm_gpa_to_hpa(struct vm *vm, uint64_t gpa);
/* Start a secondary vCPU (after its start-up IPI); -EBUSY if the VM is stopping. */
int vm_vcpu_online(struct vcpu *v);
/* Called by each vCPU when it acknowledges a stop request. */
void vm_vcpu_stopped(struct vcpu *v);

/*
 * Host pointer for guest-physical [gpa, gpa+len) inside one RAM block, or
 * NULL. A post-launched VM's blocks are Service VM memory, which outlives
 * any mapping change, so a pointer used after a concurrent MR_DEL still
 * points into memory the Service VM owns, never into the hypervisor's.
 */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
/* Whether gpa is RAM of the VM. */
bool vm_gpa_is_ram(struct vm *vm, uint64_t gpa);
const char *vm_name(const struct vm *vm);
/* Guest console output, one tagged line at a time. */
void vm_console_putc(struct vm *vm, uint8_t c);
/* Raise or lower an interrupt line of the VM's interrupt controller. */
void vm_set_irq_line(struct vm *vm, unsigned line, bool level);

/* ---- arch hooks ---- */
const struct pgtable_fmt *vm_arch_stage2_fmt(void);
/* Interrupt controllers and arch devices. */
int vm_arch_init(struct vm *vm);
/* Copy the kernel (and initrd, firmware tables) into RAM; prepare the BSP entry state. */
int vm_arch_load(struct vm *vm);
void vm_arch_set_irq_line(struct vm *vm, unsigned line, bool level);
/* Where the scenario's vUART lives: its bus and base (NULL: not emulated here). */
struct io_bus *vm_arch_uart_bus(struct vm *vm, uint64_t *base);
/* Return interrupt controllers and arch devices to their reset state. */
void vm_arch_reset_devices(struct vm *vm);
/* Whether [gpa, gpa+size) may hold a post-launched VM's RAM (clear of emulated pages). */
bool vm_arch_ram_range_ok(uint64_t gpa, uint64_t size);
/* A Service VM with vCPUs: raise its upcall (ACRN's callback vector into vCPU 0). */
void vm_arch_upcall(struct vm *service);
int vm_arch_set_upcall_vector(struct vm *service, uint64_t vector);
/* Deliver an MSI (address/data as a device would write them); -EINVAL if malformed. */
int vm_arch_inject_msi(struct vm *vm, uint64_t addr, uint64_t data);
/* Number of interrupt lines vm_set_irq_line accepts. */
unsigned vm_arch_nr_irq_lines(struct vm *vm);

#endif
