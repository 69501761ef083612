/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual machines: creation from the scenario, lifecycle and the
 * arch-neutral pieces of their platform (RAM, stage-2 tables, I/O buses,
 * console vUART).
 */
#ifndef HV_VM_H
#define HV_VM_H

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
};

struct vm {
	vmid_t id;
	const struct scenario_vm *cfg;
	volatile enum vm_state state;
	struct spinlock lock;
	volatile bool reset_pending;
	volatile unsigned vcpus_online;

	unsigned nr_vcpus;
	struct vcpu vcpus[SCENARIO_MAX_VCPUS];

	paddr_t ram_hpa; /* RAM is one host-contiguous block mapped at GPA 0 */
	uint64_t ram_size;
	struct pgtable stage2;

	struct io_bus mmio;
	struct io_bus pio;

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

	struct vm_arch arch;
};

extern struct vm vms[MAX_VMS];
extern unsigned nr_vms;
extern struct scenario hv_scenario;

int vm_create(struct vm *vm, vmid_t id, const struct scenario_vm *cfg);
/* Load the kernel and start vCPU 0. */
int vm_start(struct vm *vm);
/* Stop every vCPU and power the VM off (or reset it); callable from any pCPU. */
void vm_poweroff(struct vm *vm, const char *reason);
void vm_reset(struct vm *vm, const char *reason);
/* Start a secondary vCPU (after its start-up IPI); -EBUSY if the VM is stopping. */
int vm_vcpu_online(struct vcpu *v);
/* Called by each vCPU when it acknowledges a stop request. */
void vm_vcpu_stopped(struct vcpu *v);

/* Host pointer for guest-physical [gpa, gpa+len) inside RAM, or NULL. */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
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

#endif
