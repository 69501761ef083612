/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device tree each VM receives (a1 at entry): its harts with their
 * interrupt controllers and the host's timebase, its RAM, /chosen (command
 * line, console, initrd), the virtual PLIC and, when the scenario gives it
 * one, the 16550 vUART. Power-off and reboot are SBI SRST (no test device).
 */
#include <arch/board.h>
#include <arch/cpu.h>
#include <arch/fdt_wr.h>
#include <arch/guest.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/vm.h>

#define PH_PLIC      0x100 /* phandles: hart h's interrupt controller is h + 1 */
#define IRQ_M_EXT    11
#define UART_CLOCK   3686400
#define UART_REGSIZE 8

static void reg64(struct fdt_wr *w, uint64_t base, uint64_t size)
{
	uint32_t c[4] = { (uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32),
		          (uint32_t)size };

	fdt_wr_prop_cells(w, "reg", c, 4);
}

static void u64_prop(struct fdt_wr *w, const char *name, uint64_t v)
{
	uint32_t c[2] = { (uint32_t)(v >> 32), (uint32_t)v };

	fdt_wr_prop_cells(w, name, c, 2);
}

static void cpus(struct fdt_wr *w, const struct vm *vm)
{
	char name[24], isa[48];

	fdt_wr_node(w, "cpus");
	fdt_wr_prop_u32(w, "#address-cells", 1);
	fdt_wr_prop_u32(w, "#size-cells", 0);
	fdt_wr_prop_u32(w, "timebase-frequency", (uint32_t)rv_board.timebase_hz);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		fdt_wr_node(w, name);
		fdt_wr_prop_str(w, "device_type", "cpu");
		fdt_wr_prop_u32(w, "reg", i);
		fdt_wr_prop_str(w, "status", "okay");
		fdt_wr_prop_str(w, "compatible", "riscv");
		/* F/D and Sstc only if the harts have them (vcpu.c switches F/D state). */
		snprintf(isa, sizeof(isa), "rv64ima%sc_zicsr_zifencei%s", rv_board.fpu ? "fd" : "",
		         rv_board.sstc ? "_sstc" : "");
		fdt_wr_prop_str(w, "riscv,isa", isa);
		fdt_wr_prop_str(w, "mmu-type", "riscv,sv39");
		fdt_wr_node(w, "interrupt-controller");
		fdt_wr_prop_u32(w, "#address-cells", 0);
		fdt_wr_prop_u32(w, "#interrupt-cells", 1);
		fdt_wr_prop(w, "interrupt-controller", NULL, 0);
		fdt_wr_prop_str(w, "compatible", "riscv,cpu-intc");
		fdt_wr_prop_u32(w, "phandle", i + 1);
		fdt_wr_end_node(w);
		fdt_wr_end_node(w);
	}
	fdt_wr_end_node(w);
}

static void soc(struct fdt_wr *w, const struct vm *vm)
{
	static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";
	uint32_t ext[4 * VPLIC_MAX_HARTS];
	char name[32];

	fdt_wr_node(w, "soc");
	fdt_wr_prop_u32(w, "#address-cells", 2);
	fdt_wr_prop_u32(w, "#size-cells", 2);
	fdt_wr_prop_str(w, "compatible", "simple-bus");
	fdt_wr_prop(w, "ranges", NULL, 0);

	snprintf(name, sizeof(name), "plic@%llx", VPLIC_BASE);
	fdt_wr_node(w, name);
	fdt_wr_prop(w, "compatible", plic_compat, sizeof(plic_compat));
	fdt_wr_prop_u32(w, "#address-cells", 0);
	fdt_wr_prop_u32(w, "#interrupt-cells", 1);
	fdt_wr_prop(w, "interrupt-controller", NULL, 0);
	reg64(w, VPLIC_BASE, VPLIC_SIZE);
	fdt_wr_prop_u32(w, "riscv,ndev", VPLIC_NR_SOURCES - 1);
	/* Contexts in QEMU virt's order: hart h's M-mode is 2h, its S-mode 2h + 1. */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		ext[4 * i] = i + 1;
		ext[4 * i + 1] = IRQ_M_EXT;
		ext[4 * i + 2] = i + 1;
		ext[4 * i + 3] = IRQ_S_EXT;
	}
	fdt_wr_prop_cells(w, "interrupts-extended", ext, 4 * vm->nr_vcpus);
	fdt_wr_prop_u32(w, "phandle", PH_PLIC);
	fdt_wr_end_node(w);

	if (vm->cfg->vuart.enabled) {
		snprintf(name, sizeof(name), "serial@%llx", RV_VM_UART_BASE);
		fdt_wr_node(w, name);
		fdt_wr_prop_str(w, "compatible", "ns16550a");
		reg64(w, RV_VM_UART_BASE, UART_REGSIZE);
		fdt_wr_prop_u32(w, "clock-frequency", UART_CLOCK);
		fdt_wr_prop_u32(w, "interrupts", vm->cfg->vuart.irq);
		fdt_wr_prop_u32(w, "interrupt-parent", PH_PLIC);
		fdt_wr_end_node(w);
	}
	fdt_wr_end_node(w);
}

int rv_vm_build_dt(struct vm *vm, uint64_t gpa, uint64_t max, uint64_t initrd_gpa,
                   uint64_t initrd_size)
{
	const struct scenario_vm *cfg = vm->cfg;
	void *dst = vm_gpa_to_hva(vm, gpa, max);
	struct fdt_wr *w = page_alloc_zeroed();
	char name[48];
	uint32_t size = 0;
	int err;

	if (!dst)
		return -E2BIG;
	if (!w)
		return -ENOMEM;
	_Static_assert(sizeof(struct fdt_wr) <= PAGE_SIZE, "writer state fits one page");
	fdt_wr_begin(w, dst, (uint32_t)MIN(max, (uint64_t)UINT32_MAX));
	fdt_wr_node(w, "");
	fdt_wr_prop_u32(w, "#address-cells", 2);
	fdt_wr_prop_u32(w, "#size-cells", 2);
	fdt_wr_prop_str(w, "compatible", "acrn,riscv64-vm");
	fdt_wr_prop_str(w, "model", "ACRN-style riscv64 VM");

	fdt_wr_node(w, "chosen");
	if (cfg->bootargs[0])
		fdt_wr_prop_str(w, "bootargs", cfg->bootargs);
	if (cfg->vuart.enabled) {
		snprintf(name, sizeof(name), "/soc/serial@%llx", RV_VM_UART_BASE);
		fdt_wr_prop_str(w, "stdout-path", name);
	}
	if (initrd_size) {
		u64_prop(w, "linux,initrd-start", initrd_gpa);
		u64_prop(w, "linux,initrd-end", initrd_gpa + initrd_size);
	}
	fdt_wr_end_node(w);

	fdt_wr_node(w, "memory@0");
	fdt_wr_prop_str(w, "device_type", "memory");
	reg64(w, 0, vm->ram_size);
	fdt_wr_end_node(w);

	cpus(w, vm);
	soc(w, vm);
	fdt_wr_end_node(w);
	err = fdt_wr_finish(w, &size);
	page_free(w);
	if (!err)
		vm->arch.dt_gpa = gpa;
	return err;
}
