/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The arch-neutral boot sequence: load the scenario handed over as a boot
 * module, create its VMs, bring up the other pCPUs and start scheduling.
 */
#include <hv/boot.h>
#include <hv/bridge.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>
#include <hv/vm.h>

struct boot_info boot_info;
struct scenario hv_scenario;
struct pcpu pcpus[MAX_PCPUS];
unsigned nr_pcpus;

const struct boot_module *boot_find_module(const char *name)
{
	for (unsigned i = 0; i < boot_info.nr_modules; i++) {
		if (!strcmp(boot_info.modules[i].name, name))
			return &boot_info.modules[i];
	}
	return NULL;
}

bool boot_cmdline_has(const char *word)
{
	size_t n = strlen(word);

	for (const char *p = boot_info.cmdline; *p;) {
		if (!strncmp(p, word, n) && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p = strchr(p, ' ');
		if (!p)
			break;
		p++;
	}
	return false;
}

static void __attribute__((noreturn)) boot_fail(const char *what)
{
	pr_err("boot failed: %s\n", what);
	pcpu_arch_board_off(1);
}

static void load_scenario(void)
{
	const struct boot_module *m = boot_find_module("scenario");
	struct scenario_error err = { 0 };

	if (!m)
		boot_fail("no boot module named 'scenario' (see acrn-board --help)");
	/* The host tool validated this file; validate again, it is input. */
	if (scenario_parse(hpa_to_ptr(m->start), m->size, nr_pcpus, &hv_scenario, &err)) {
		pr_err("scenario: line %u: %s\n", err.line, err.msg);
		boot_fail("invalid scenario");
	}
	if (hv_scenario.log_level < LOG_LEVEL_MAX)
		log_threshold = hv_scenario.log_level;
	pr_info("scenario: %u VM(s), %s scheduling\n", hv_scenario.nr_vms,
	        hv_scenario.sched == SCHED_SHARED ? "shared" : "partitioned");
}

void pcpu_secondary_main(struct pcpu *p)
{
	p->online = true;
	pcpu_run_loop();
}

void hv_core_main(void)
{
	unsigned started = 0;

	pr_info("%u pCPU(s), TSC %lu kHz, %lu MiB free for VMs\n", nr_pcpus, tsc_khz,
	        (hv_pages.nr_free * PAGE_SIZE) >> 20);
	load_scenario();
	pcpu_arch_start_secondaries();

	/* vms[i] is scenario VM i, so VM ids (and ids relative to the Service VM) are stable. */
	nr_vms = hv_scenario.nr_vms;
	for (unsigned i = 0; i < nr_vms; i++) {
		const struct scenario_vm *cfg = &hv_scenario.vms[i];

		vm_slot_init(&vms[i], (vmid_t)i, cfg);
		if (cfg->kernel_type == KERNEL_BRIDGE) {
			/* The host plays this Service VM: nothing to start, it runs already. */
			if (bridge_create(&vms[i], (vmid_t)i, cfg))
				pr_err("vm %s: not created\n", cfg->name);
			else
				started++;
			continue;
		}
		/*
		 * Pre-launched and Service VMs with vCPUs start now, the Service VM
		 * with hypercall rights (CPUID 0x40000001 tells it); post-launched
		 * slots wait for HC_CREATE_VM.
		 */
		if (cfg->load_order == LOAD_POST_LAUNCHED) {
			pr_info("vm %s: %s, waiting for the Service VM to launch it\n", cfg->name,
			        scenario_load_order_name(cfg->load_order));
			continue;
		}
		if (vm_create(&vms[i], (vmid_t)i, cfg)) {
			pr_err("vm %s: not created\n", cfg->name);
			vm_slot_init(&vms[i], (vmid_t)i, cfg);
		}
	}
	for (unsigned i = 0; i < nr_vms; i++) {
		if (vms[i].created && vms[i].cfg->kernel_type != KERNEL_BRIDGE)
			started += vm_start(&vms[i]) == 0;
	}
	if (!started)
		boot_fail("no VM could be started");
	pcpu_run_loop();
}
