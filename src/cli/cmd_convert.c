/*
 * cmd_convert.c - `ca2eca convert`: the offline conversion of a retrieved
 * project, and its report for people or as JSON.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "stage/convert.h"
#include "util/compat.h"

/* Widest a column may be in the people's table before it is shortened. */
#define VALUE_WIDTH  28
#define PATH_WIDTH   36
#define TARGET_WIDTH 72

/*
 * Copies the first line of `s` into `out`, at most `width` columns (UTF-8
 * aware); a longer value is cut and ends in "...".
 */
static void shorten(const char *s, size_t width, char *out, size_t out_size)
{
	size_t n = 0, cols = 0, cut = 0;

	if (!s)
		s = "";
	while (s[n] && s[n] != '\n' && s[n] != '\r') {
		if (((unsigned char)s[n] & 0xC0) != 0x80) {
			if (cols == width - 3)
				cut = n;
			cols++;
		}
		n++;
	}
	if (cols > width || s[n]) {
		n = cut ? cut : (n < width - 3 ? n : width - 3);
		if (n + 4 > out_size)
			n = out_size - 4;
		memcpy(out, s, n);
		memcpy(out + n, "...", 4);
		return;
	}
	if (n + 1 > out_size)
		n = out_size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static void print_report(struct c2e_out *o, const struct c2e_report *r)
{
	char sp[PATH_WIDTH + 8], sv[VALUE_WIDTH + 8], tp[TARGET_WIDTH + 8],
	        tv[VALUE_WIDTH + 8];

	c2e_out_printf(o, "  %-10s %-*s %-*s %s\n", "", PATH_WIDTH, "SOURCE",
	               VALUE_WIDTH, "VALUE", "ECA FIELD [= NEW VALUE]");
	for (size_t i = 0; i < r->n; i++) {
		const struct c2e_report_entry *e = &r->entries[i];
		bool same = c2e_str_eq(e->source_value, e->target_value) ||
		            c2e_str_eq(e->target_value, "(same value)");

		shorten(e->source ? e->source : "-", PATH_WIDTH, sp,
		        sizeof(sp));
		shorten(e->source_value ? e->source_value : "", VALUE_WIDTH, sv,
		        sizeof(sv));
		shorten(e->target ? e->target : "-", TARGET_WIDTH, tp,
		        sizeof(tp));
		shorten(e->target_value ? e->target_value : "", VALUE_WIDTH, tv,
		        sizeof(tv));
		c2e_out_printf(o, "  %-10s %-*s %-*s %s%s%s\n",
		               c2e_disp_name(e->disp), PATH_WIDTH, sp,
		               VALUE_WIDTH, sv, tp,
		               e->target_value && !same ? " = " : "",
		               e->target_value && !same ? tv : "");
		if (e->note)
			c2e_out_printf(o, "  %-10s %*s (%s)\n", "", PATH_WIDTH,
			               "", e->note);
	}
}

static void print_text(struct c2e_out *o, const struct c2e_convert_result *r)
{
	c2e_out_printf(o, "%s %zu of %zu connected app%s from '%s' (%s format)",
	               r->dry_run ? "Would convert" : "Converted",
	               r->n_converted, r->n_apps, r->n_apps == 1 ? "" : "s",
	               r->project, r->source_format ? "source" : "metadata");
	if (strcmp(r->out, r->project))
		c2e_out_printf(o, " into '%s'", r->out);
	c2e_out_printf(o, "%s\n",
	               r->dry_run ? " (dry run: nothing written)" : "");

	for (size_t i = 0; i < r->n_apps; i++) {
		const struct c2e_convert_app *a = &r->apps[i];
		const struct c2e_mapping *m = a->mapping;

		c2e_out_printf(o, "\n%s -> ECA %s: %s\n", m->ca_name,
		               m->eca_name,
		               m->blocked ? "BLOCKED, not converted" :
		               r->dry_run ? "would be converted" :
		                            "converted");
		c2e_out_printf(o, "  source   %s\n", a->source_path);
		for (size_t k = 0; k < a->ccds.n; k++)
			c2e_out_printf(o,
			               "  channel  %s (prefix '%s_'): repoint "
			               "it to the ECA after deploying\n",
			               a->ccds.v[k], m->prefix);
		for (size_t k = 0; k < a->ambiguous_ccds.n; k++)
			c2e_out_printf(o,
			               "  channel  %s (prefix '%s_'): other "
			               "connected apps share the prefix; if it "
			               "belongs to this app, repoint it to the "
			               "ECA after deploying\n",
			               a->ambiguous_ccds.v[k], m->prefix);
		if (a->written)
			for (size_t k = 0; k < a->files.n; k++)
				c2e_out_printf(o, "  %-8s %s\n",
				               k          ? "" :
				               r->dry_run ? "would write" :
				                            "wrote",
				               a->files.v[k]);
		c2e_out_printf(o, "\n");
		print_report(o, &m->report);
	}
	c2e_out_printf(o, "\n%zu converted, %zu blocked", r->n_converted,
	               r->n_blocked);
	if (r->manifest)
		c2e_out_printf(o, "; manifest %s (%s)", r->manifest,
		               r->manifest_merged ? "extended" : "new");
	c2e_out_printf(o, "\n");
	if (r->manifest && !r->dry_run)
		c2e_out_printf(
		        o,
		        "Next: review the files, then deploy them from '%s' "
		        "with `sf project deploy start --manifest %s`\n",
		        r->out, r->manifest);
}

static void print_json(struct c2e_jsonw *w, const struct c2e_convert_result *r)
{
	c2e_jsonw_object_begin(w);
	c2e_jsonw_kv_string(w, "project", r->project);
	c2e_jsonw_kv_string(w, "out", r->out);
	c2e_jsonw_kv_string(w, "format",
	                    r->source_format ? "source" : "metadata");
	c2e_jsonw_kv_bool(w, "dryRun", r->dry_run);
	c2e_jsonw_kv_long(w, "converted", (long long)r->n_converted);
	c2e_jsonw_kv_long(w, "blocked", (long long)r->n_blocked);
	c2e_jsonw_kv_string(w, "manifest", r->manifest);
	c2e_jsonw_kv_bool(w, "manifestMerged", r->manifest_merged);
	c2e_jsonw_kv_strv(w, "otherFiles", &r->extra_files);
	c2e_jsonw_key(w, "apps");
	c2e_jsonw_array_begin(w);
	for (size_t i = 0; i < r->n_apps; i++) {
		const struct c2e_convert_app *a = &r->apps[i];
		const struct c2e_mapping *m = a->mapping;
		static const struct c2e_strv none = C2E_STRV_INIT;

		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "connectedApp", m->ca_name);
		c2e_jsonw_kv_string(w, "source", a->source_path);
		c2e_jsonw_kv_string(w, "eca", m->eca_name);
		c2e_jsonw_kv_string(w, "prefix", m->prefix);
		c2e_jsonw_kv_string(w, "status",
		                    m->blocked ? "blocked" : "converted");
		c2e_jsonw_kv_strv(w, "files", a->written ? &a->files : &none);
		c2e_jsonw_kv_strv(w, "channelDefinitions", &a->ccds);
		c2e_jsonw_kv_strv(w, "ambiguousChannelDefinitions",
		                  &a->ambiguous_ccds);
		c2e_jsonw_key(w, "components");
		c2e_jsonw_array_begin(w);
		for (int p = 0; p < C2E_PART_MAX; p++) {
			if (!m->parts[p])
				continue;
			c2e_jsonw_object_begin(w);
			c2e_jsonw_kv_string(
			        w, "type", c2e_part_type((enum c2e_eca_part)p));
			c2e_jsonw_kv_string(w, "fullName",
			                    m->parts[p]->full_name);
			c2e_jsonw_object_end(w);
		}
		c2e_jsonw_array_end(w);
		c2e_jsonw_key(w, "report");
		c2e_report_write_json(&m->report, w);
		c2e_jsonw_kv_strv(w, "warnings", &m->report.warnings);
		c2e_jsonw_object_end(w);
	}
	c2e_jsonw_array_end(w);
	c2e_jsonw_object_end(w);
}

static void warn_all(struct c2e_out *o, const struct c2e_convert_result *r)
{
	for (size_t i = 0; i < r->n_apps; i++) {
		const struct c2e_mapping *m = r->apps[i].mapping;

		for (size_t k = 0; k < m->report.warnings.n; k++)
			c2e_out_warn(o, "%s", m->report.warnings.v[k]);
		if (m->blocked)
			c2e_out_warn(o,
			             "connected app '%s' was not converted: "
			             "%zu blocking finding%s in its report",
			             m->ca_name, m->report.n_blocking,
			             m->report.n_blocking == 1 ? "" : "s");
	}
}

int cmd_convert(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	static const struct option longopts[] = {
		{ "project", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "app", required_argument, NULL, 'a' },
		{ "name", required_argument, NULL, 'n' },
		{ "distribution", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct c2e_convert_opts opts;
	struct c2e_convert_result *res = NULL;
	struct c2e_strv apps = C2E_STRV_INIT;
	int c, rc = C2E_OK;

	memset(&opts, 0, sizeof(opts));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opts.project = optarg;
			break;
		case 'o':
			opts.out = optarg;
			break;
		case 'a':
			rc = c2e_strv_push(&apps, optarg, err);
			if (rc < 0)
				goto done;
			break;
		case 'n':
			opts.name_template = optarg;
			break;
		case 'd':
			opts.distribution = optarg;
			break;
		case 'D':
			opts.dry_run = true;
			break;
		case 'f':
			opts.force = true;
			break;
		case ':':
			rc = c2e_cmd_usage(err, "convert",
			                   "option '%s' needs a value",
			                   argv[optind - 1]);
			goto done;
		default:
			rc = c2e_cmd_usage(err, "convert",
			                   "unknown option '%s'",
			                   argv[optind - 1]);
			goto done;
		}
	}
	if (optind < argc) {
		rc = c2e_cmd_usage(err, "convert", "unexpected argument '%s'",
		                   argv[optind]);
		goto done;
	}
	if (!opts.project) {
		rc = c2e_cmd_usage(err, "convert", "--project DIR is required");
		goto done;
	}
	opts.apps = &apps;
	rc = c2e_convert(&opts, &res, err);
	if (rc < 0)
		goto done;
	warn_all(out, res);
	if (out->json)
		print_json(c2e_out_result(out), res);
	else
		print_text(out, res);
done:
	c2e_convert_result_free(res);
	c2e_strv_release(&apps);
	return rc;
}
