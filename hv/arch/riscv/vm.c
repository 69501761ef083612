/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM hooks on RISC-V: the G-stage root in hgatp, the virtual PLIC and the
 * MMIO vUART (QEMU virt's addresses), and loading a guest with its
 * generated device tree.
 *
 * Guest RAM is one block at guest-physical 0 (the core's layout), so it must
 * end below the PLIC at 0x0c000000. Kernels: "raw" images are copied to
 * load_addr, "image" is the Linux Image boot protocol (kernel at RAM base +
 * 2 MiB, initrd and device tree above it). Every hart starts with a0 = its
 * id and a1 = the device tree; only hart 0 runs, the others wait for SBI HSM.
 */
#include <arch/cpu.h>
#include <arch/gstage.h>
#include <arch/guest.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/vm.h>

#define DT_MAX_SIZE   KiB(64)
#define IMAGE_OFFSET  MiB(2) /* RV64 kernels expect a 2 MiB-aligned load address */
#define IMAGE_HDR_LEN 64
#define IMAGE_MAGIC2  0x05435352 /* "RSC\x05" at byte 56 of the Image header */

const struct pgtable_fmt *vm_arch_stage2_fmt(void)
{
	return &rv_gstage_fmt;
}

static void plic_notify(void *owner, unsigned hart, bool level)
{
	struct vm *vm = owner;

	if (hart < vm->nr_vcpus)
		rv_vcpu_set_irq(&vm->vcpus[hart], HVIP_VSEIP, level);
}

__hot static int plic_io_read(struct vcpu *v, void *opaque, uint64_t off, unsigned width,
                              uint64_t *val)
{
	struct vm *vm = opaque;
	int err;

	(void)v;
	spin_lock(&vm->arch.plic_lock);
	err = vplic_read(&vm->arch.plic, off, width, val);
	spin_unlock(&vm->arch.plic_lock);
	return err;
}

__hot static int plic_io_write(struct vcpu *v, void *opaque, uint64_t off, unsigned width,
                               uint64_t val)
{
	struct vm *vm = opaque;
	int err;

	(void)v;
	spin_lock(&vm->arch.plic_lock);
	err = vplic_write(&vm->arch.plic, off, width, val);
	spin_unlock(&vm->arch.plic_lock);
	return err;
}

int vm_arch_init(struct vm *vm)
{
	/* VMID 0 stays unused so a stale hgatp can never alias a real VM. */
	uint64_t vmid = (uint64_t)vm->id + 1;
	uint64_t hgatp =
	        HGATP_MODE_SV39X4 | vmid << HGATP_VMID_SHIFT | vm->stage2.root >> PAGE_SHIFT;
	struct io_handler plic = { .base = VPLIC_BASE,
		                   .size = VPLIC_SIZE,
		                   .read = plic_io_read,
		                   .write = plic_io_write,
		                   .opaque = vm };
	uint64_t back;

	if (vm->ram_size > VPLIC_BASE) {
		pr_err("vm %s: %lu MiB of RAM at guest-physical 0 would cover the PLIC at "
		       "0x%llx (at most %llu MiB on RISC-V)\n",
		       vm_name(vm), vm->ram_size >> 20, VPLIC_BASE, VPLIC_BASE >> 20);
		return -EINVAL;
	}
	if (vm->nr_vcpus > VPLIC_MAX_HARTS) {
		pr_err("vm %s: %u vCPUs, the virtual PLIC serves at most %u\n", vm_name(vm),
		       vm->nr_vcpus, VPLIC_MAX_HARTS);
		return -EINVAL;
	}
	if (vm->cfg->vuart.enabled &&
	    (vm->cfg->vuart.irq == 0 || vm->cfg->vuart.irq >= VPLIC_NR_SOURCES)) {
		pr_err("vm %s: vuart irq %u is not a PLIC source (1..%u)\n", vm_name(vm),
		       vm->cfg->vuart.irq, VPLIC_NR_SOURCES - 1);
		return -EINVAL;
	}
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
	vm->arch.plic_lock = (struct spinlock)SPINLOCK_INIT;
	vm->arch.hsm_lock = (struct spinlock)SPINLOCK_INIT;
	vplic_init(&vm->arch.plic, vm->nr_vcpus, plic_notify, vm);
	if (vm->cfg->test_device)
		pr_warn("vm %s: test_device is an x86 device; RISC-V guests power off with SBI "
		        "SRST\n",
		        vm_name(vm));
	return io_bus_register(&vm->mmio, &plic);
}

static int copy_module(struct vm *vm, const struct boot_module *m, uint64_t gpa)
{
	void *dst = vm_gpa_to_hva(vm, gpa, m->size);

	if (!dst) {
		pr_err("vm %s: module '%s' (%lu bytes) does not fit in RAM at 0x%lx\n", vm_name(vm),
		       m->name, m->size, gpa);
		return -E2BIG;
	}
	memcpy(dst, hpa_to_ptr(m->start), m->size);
	return 0;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Linux Image: kernel at 2 MiB, then (2 MiB aligned past its memory footprint) initrd, DT. */
static int load_image(struct vm *vm, const struct boot_module *k, uint64_t *dt_gpa,
                      uint64_t *initrd_gpa, uint64_t *initrd_size)
{
	const struct scenario_vm *cfg = vm->cfg;
	const uint8_t *h = hpa_to_ptr(k->start);
	uint64_t footprint, next;
	int err;

	if (k->size < IMAGE_HDR_LEN || (uint32_t)le64(h + 56) != IMAGE_MAGIC2) {
		pr_err("vm %s: '%s' is not a RISC-V Linux Image (no \"RSC\\x05\" magic)\n",
		       vm_name(vm), k->name);
		return -ENOEXEC;
	}
	/* image_size covers BSS; an old kernel may give 0: then the file has to do. */
	footprint = MAX(le64(h + 16), k->size);
	if (footprint > vm->ram_size) {
		pr_err("vm %s: kernel '%s' needs %lu bytes, more than the VM's RAM\n", vm_name(vm),
		       k->name, footprint);
		return -E2BIG;
	}
	err = copy_module(vm, k, IMAGE_OFFSET);
	if (err)
		return err;
	next = ALIGN_UP(IMAGE_OFFSET + footprint, MiB(2));
	if (cfg->initrd_mod[0]) {
		const struct boot_module *rd = boot_find_module(cfg->initrd_mod);

		if (!rd) {
			pr_err("vm %s: no boot module named '%s' (initrd)\n", vm_name(vm),
			       cfg->initrd_mod);
			return -ENOENT;
		}
		err = copy_module(vm, rd, next);
		if (err)
			return err;
		*initrd_gpa = next;
		*initrd_size = rd->size;
		next = ALIGN_UP(next + rd->size, PAGE_SIZE);
	}
	*dt_gpa = next;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].arch.entry_pc = IMAGE_OFFSET;
	return 0;
}

int vm_arch_load(struct vm *vm)
{
	const struct scenario_vm *cfg = vm->cfg;
	const struct boot_module *k = boot_find_module(cfg->kernel_mod);
	uint64_t dt_gpa, initrd_gpa = 0, initrd_size = 0;
	int err;

	if (!k) {
		pr_err("vm %s: no boot module named '%s'\n", vm_name(vm), cfg->kernel_mod);
		return -ENOENT;
	}
	switch (cfg->kernel_type) {
	case KERNEL_RAW:
		err = copy_module(vm, k, cfg->load_addr);
		if (err)
			return err;
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			vm->vcpus[i].arch.entry_pc = cfg->load_addr;
		/* The device tree goes to the top of RAM, out of a small image's way. */
		dt_gpa = vm->ram_size - DT_MAX_SIZE;
		if (dt_gpa < cfg->load_addr + k->size) {
			pr_err("vm %s: no room for the device tree above the kernel\n",
			       vm_name(vm));
			return -E2BIG;
		}
		break;
	case KERNEL_IMAGE:
		err = load_image(vm, k, &dt_gpa, &initrd_gpa, &initrd_size);
		if (err)
			return err;
		break;
	default:
		pr_err("vm %s: kernel_type %s is not supported on RISC-V (raw or image)\n",
		       vm_name(vm), scenario_kernel_type_name(cfg->kernel_type));
		return -ENOTSUP;
	}
	err = rv_vm_build_dt(vm, dt_gpa, MIN(DT_MAX_SIZE, vm->ram_size - dt_gpa), initrd_gpa,
	                     initrd_size);
	if (err) {
		pr_err("vm %s: cannot build its device tree at 0x%lx (error %d)\n", vm_name(vm),
		       dt_gpa, err);
		return err;
	}
	/* Instruction fetch must see the copied code (Zifencei, this hart). */
	__asm__ volatile("fence.i" ::: "memory");
	return 0;
}

void vm_arch_set_irq_line(struct vm *vm, unsigned line, bool level)
{
	spin_lock(&vm->arch.plic_lock);
	vplic_set_line(&vm->arch.plic, line, level);
	spin_unlock(&vm->arch.plic_lock);
}

/* The 16550 sits at QEMU virt's address, byte-wide registers (reg-shift 0). */
struct io_bus *vm_arch_uart_bus(struct vm *vm, uint64_t *base)
{
	*base = RV_VM_UART_BASE;
	return &vm->mmio;
}

void vm_arch_reset_devices(struct vm *vm)
{
	spin_lock(&vm->arch.plic_lock);
	vplic_reset(&vm->arch.plic);
	spin_unlock(&vm->arch.plic_lock);
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
