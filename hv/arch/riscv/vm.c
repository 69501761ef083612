/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM hooks on RISC-V: the G-stage root in hgatp, and loading a guest image.
 *
 * Not yet here (issue 7): a virtual PLIC, the vUART on MMIO, a generated
 * device tree, and the Linux Image boot protocol. Raw bare-metal images
 * are loaded at load_addr and entered in VS-mode with a0 = hart id.
 */
#include <arch/cpu.h>
#include <arch/gstage.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/vm.h>

const struct pgtable_fmt *vm_arch_stage2_fmt(void)
{
	return &rv_gstage_fmt;
}

int vm_arch_init(struct vm *vm)
{
	/* VMID 0 stays unused so a stale hgatp can never alias a real VM. */
	uint64_t vmid = (uint64_t)vm->id + 1;
	uint64_t hgatp =
	        HGATP_MODE_SV39X4 | vmid << HGATP_VMID_SHIFT | vm->stage2.root >> PAGE_SHIFT;
	uint64_t back;

	/* Unsupported modes and VMID bits read back as zero (WARL). */
	csr_write(hgatp, hgatp);
	back = csr_read(hgatp);
	csr_write(hgatp, 0);
	if (back != hgatp) {
		pr_err("vm %s: hgatp 0x%lx reads back as 0x%lx (no Sv39x4, or VMID %lu too "
		       "large)\n",
		       vm_name(vm), hgatp, back, vmid);
		return -ENOTSUP;
	}
	vm->arch.hgatp = hgatp;
	if (vm->cfg->vuart.enabled || vm->cfg->test_device)
		pr_warn("vm %s: vuart and test_device are not emulated on RISC-V yet; "
		        "use the SBI console\n",
		        vm_name(vm));
	return 0;
}

int vm_arch_load(struct vm *vm)
{
	const struct scenario_vm *cfg = vm->cfg;
	const struct boot_module *k = boot_find_module(cfg->kernel_mod);
	void *dst;

	if (cfg->kernel_type != KERNEL_RAW) {
		pr_err("vm %s: kernel_type %s is not supported on RISC-V yet (only raw)\n",
		       vm_name(vm), scenario_kernel_type_name(cfg->kernel_type));
		return -ENOTSUP;
	}
	if (!k) {
		pr_err("vm %s: no boot module named '%s'\n", vm_name(vm), cfg->kernel_mod);
		return -ENOENT;
	}
	dst = vm_gpa_to_hva(vm, cfg->load_addr, k->size);
	if (!dst) {
		pr_err("vm %s: kernel '%s' (%lu bytes) does not fit in RAM at 0x%lx\n", vm_name(vm),
		       k->name, k->size, cfg->load_addr);
		return -E2BIG;
	}
	memcpy(dst, hpa_to_ptr(k->start), k->size);
	/* Instruction fetch must see the copied code (Zifencei, this hart). */
	__asm__ volatile("fence.i" ::: "memory");
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].arch.entry_pc = cfg->load_addr;
	return 0;
}

void vm_arch_set_irq_line(struct vm *vm, unsigned line, bool level)
{
	/* No virtual PLIC yet: nothing can receive the line. Say so once per VM. */
	if (level && !vm->arch.irq_warned) {
		vm->arch.irq_warned = true;
		pr_warn("vm %s: interrupt line %u raised, but RISC-V has no virtual PLIC yet\n",
		        vm_name(vm), line);
	}
}

/* No MMIO vUART yet (the warning in vm_arch_init says so): guests use the SBI console. */
struct io_bus *vm_arch_uart_bus(struct vm *vm, uint64_t *base)
{
	(void)vm;
	*base = 0;
	return NULL;
}

void vm_arch_reset_devices(struct vm *vm)
{
	/* No arch devices to reset yet: only the warning state. */
	vm->arch.irq_warned = false;
}

/* Post-launched VMs are x86-only for now (issue 3): no RAM range is theirs here. */
bool vm_arch_ram_range_ok(uint64_t gpa, uint64_t size)
{
	(void)gpa;
	(void)size;
	return false;
}

void vm_arch_upcall(struct vm *service)
{
	(void)service;
}

int vm_arch_set_upcall_vector(struct vm *service, uint64_t vector)
{
	(void)service;
	(void)vector;
	return -ENOSYS;
}

int vm_arch_inject_msi(struct vm *vm, uint64_t addr, uint64_t data)
{
	(void)vm;
	(void)addr;
	(void)data;
	return -ENOSYS;
}

unsigned vm_arch_nr_irq_lines(struct vm *vm)
{
	(void)vm;
	return 0;
}
