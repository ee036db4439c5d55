/*
 * render.c
 *		The revision graph as a picture: Graphviz DOT text for graph().
 *
 * Parents point at their children (time runs down the page); dependencies
 * are dashed; applied revisions are filled, the version rows drawn in bold
 * and heads with a double border.  A large graph is cut to what came after
 * one revision (since) and to the newest levels (depth); what the cut hides
 * is summed up in one node, so a picture never pretends to be complete.
 * Nothing here uses SPI: api.c hands in the graph and what is applied.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"

#include "render.h"

/* messages longer than this are cut in a node's label */
#define RENDER_MESSAGE_CHARS 40

/* Append s as the inside of a DOT double-quoted string. */
static void
append_dot_escaped(StringInfo out, const char *s)
{
	for (; *s; s++)
	{
		if (*s == '"' || *s == '\\')
			appendStringInfoChar(out, '\\');
		if (*s == '\n' || *s == '\r' || *s == '\t')
			appendStringInfoChar(out, ' ');
		else
			appendStringInfoChar(out, *s);
	}
}

/* A message cut to RENDER_MESSAGE_CHARS characters, on a character boundary. */
static void
append_message(StringInfo out, const char *message)
{
	int			len = strlen(message);
	int			cut = pg_mbcharcliplen(message, len, RENDER_MESSAGE_CHARS);
	char	   *head = pnstrdup(message, cut);

	append_dot_escaped(out, head);
	if (cut < len)
		appendStringInfoString(out, "...");
	pfree(head);
}

/*
 * Which revisions the picture shows: after (and including) since, within
 * depth levels of the heads (a head is level 1, its parents level 2).
 * Levels come from one breadth-first walk down from the heads, so a
 * revision reached by a short and a long path counts as near.
 */
static bool *
select_shown(Graph *g, int since, int depth)
{
	bool	   *shown;
	int			i;

	if (since >= 0)
		shown = graph_reach_set(g, &since, 1, DESC_DEPS);
	else
	{
		shown = palloc(Max(g->n, 1) * sizeof(bool));
		memset(shown, true, Max(g->n, 1) * sizeof(bool));
	}
	if (depth > 0)
	{
		int		   *level = palloc0(Max(g->n, 1) * sizeof(int));
		int		   *queue = palloc(Max(g->n, 1) * sizeof(int));
		int			head = 0,
					tail = 0;

		for (i = 0; i < g->nheads; i++)
		{
			level[G_HEADS(g)[i]] = 1;
			queue[tail++] = G_HEADS(g)[i];
		}
		while (head < tail)
		{
			int			r = queue[head++];
			GraphRev   *rev = &g->revs[r];
			int			k;

			if (level[r] >= depth)
				continue;
			for (k = 0; k < rev->ndown; k++)
			{
				int			p = GR_DOWN(g, rev)[k];

				if (level[p] == 0)
				{
					level[p] = level[r] + 1;
					queue[tail++] = p;
				}
			}
		}
		for (i = 0; i < g->n; i++)
			if (level[i] == 0)
				shown[i] = false;
		pfree(level);
		pfree(queue);
	}
	return shown;
}

static void
append_node(StringInfo out, Graph *g, int r, const bool *applied,
			const RevSet *version)
{
	GraphRev   *rev = &g->revs[r];
	const char *message = GR_MESSAGE(g, rev);
	bool		head = rev->nchildren == 0;
	bool		current = version->member[r];
	int			k;

	appendStringInfo(out, "\t\"%s\" [label=\"%s", GR_ID(g, rev), GR_ID(g, rev));
	if (rev->nlabels > 0)
	{
		appendStringInfoString(out, " (");
		for (k = 0; k < rev->nlabels; k++)
		{
			if (k > 0)
				appendStringInfoString(out, ", ");
			append_dot_escaped(out, GR_LABEL(g, rev, k));
		}
		appendStringInfoChar(out, ')');
	}
	if (message && message[0])
	{
		appendStringInfoString(out, "\\n");
		append_message(out, message);
	}
	if (current || head || rev->ndown > 1 || rev->nchildren > 1)
	{
		appendStringInfoString(out, "\\n");
		if (current)
			appendStringInfoString(out, "[current]");
		if (head)
			appendStringInfoString(out, "[head]");
		if (rev->ndown > 1)
			appendStringInfoString(out, "[mergepoint]");
		if (rev->nchildren > 1)
			appendStringInfoString(out, "[branchpoint]");
	}
	appendStringInfoChar(out, '"');
	if (applied[r])
		appendStringInfoString(out, ", fillcolor=\"#d5e8d4\"");
	if (current)
		appendStringInfoString(out, ", color=\"#1b5e20\", penwidth=3, fontname=\"Helvetica-Bold\"");
	if (head)
		appendStringInfoString(out, ", peripheries=2");
	if (!rev->transactional)
		appendStringInfoString(out, ", tooltip=\"non-transactional\"");
	appendStringInfoString(out, "];\n");
}

/*
 * The graph in DOT.  since: a revision index or -1; depth: levels from the
 * heads to show, 0 for all.  Nodes and edges come in registration order,
 * so the text is stable for a given graph.
 */
char *
render_dot(Graph *g, const bool *applied, const RevSet *version,
		   int since, int depth)
{
	StringInfoData out;
	bool	   *shown = select_shown(g, since, depth);
	int			nshown = 0,
				napplied = 0;
	bool		roots_shown = false;
	int			i,
				k;

	for (i = 0; i < g->n; i++)
	{
		if (applied[i])
			napplied++;
		if (!shown[i])
			continue;
		nshown++;
		if (g->revs[i].ndown == 0)
			roots_shown = true;
	}

	initStringInfo(&out);
	appendStringInfoString(&out, "digraph migrate {\n");
	appendStringInfo(&out, "\tgraph [rankdir=TB, fontname=\"Helvetica\", fontsize=12, labelloc=t, "
					 "label=\"%d revision%s",
					 g->n, g->n == 1 ? "" : "s");
	if (nshown < g->n)
		appendStringInfo(&out, " (%d shown)", nshown);
	appendStringInfo(&out, ", %d applied, %d head%s\"];\n",
					 napplied, g->nheads, g->nheads == 1 ? "" : "s");
	appendStringInfoString(&out, "\tnode [shape=box, style=\"rounded,filled\", fillcolor=white, "
						   "fontname=\"Helvetica\", fontsize=10];\n");
	appendStringInfoString(&out, "\tedge [color=\"#555555\", arrowsize=0.7, fontname=\"Helvetica\"];\n");
	if (roots_shown)
		appendStringInfoString(&out, "\t\"base\" [shape=ellipse, style=solid, label=\"base\"];\n");

	for (i = 0; i < g->n; i++)
	{
		if (!shown[i])
			continue;
		append_node(&out, g, i, applied, version);
	}
	/* one node sums up the cut, whether or not an edge leads to it */
	if (nshown < g->n)
		appendStringInfo(&out, "\t\"...\" [shape=plaintext, style=solid, label=\"%d revision%s not shown\"];\n",
						 g->n - nshown, g->n - nshown == 1 ? "" : "s");

	for (i = 0; i < g->n; i++)
	{
		GraphRev   *rev = &g->revs[i];
		bool		cut;

		if (!shown[i])
			continue;
		if (rev->ndown == 0)
			appendStringInfo(&out, "\t\"base\" -> \"%s\";\n", GR_ID(g, rev));
		cut = false;
		for (k = 0; k < rev->ndown; k++)
		{
			int			p = GR_DOWN(g, rev)[k];

			if (shown[p])
				appendStringInfo(&out, "\t\"%s\" -> \"%s\";\n", REV_ID(g, p), GR_ID(g, rev));
			else
				cut = true;
		}
		if (cut)
			appendStringInfo(&out, "\t\"...\" -> \"%s\" [style=dotted];\n", GR_ID(g, rev));
		for (k = 0; k < rev->ndeps; k++)
		{
			int			d = GR_DEPS(g, rev)[k];

			/* a hidden dependency still shows, as a bare name */
			if (!shown[d])
				appendStringInfo(&out, "\t\"%s\" [shape=plaintext, style=solid, fontcolor=\"#777777\"];\n",
								 REV_ID(g, d));
			appendStringInfo(&out, "\t\"%s\" -> \"%s\" [style=dashed, color=\"#1f5fa8\", label=\"depends on\", fontsize=8];\n",
							 REV_ID(g, d), GR_ID(g, rev));
		}
	}
	appendStringInfoString(&out, "}\n");
	pfree(shown);
	return out.data;
}
