/*
 * METEOR 1.5's stdio protocol (SCORE / EVAL lines, as `java -jar meteor-1.5.jar - - -stdio ...` reads them),
 * with the same statistics and scores, faster. Part of EO Image-Text Explorer (explorer.evaluate.meteor).
 *
 * Everything that decides a number is the jar's own code, called through its classes: the configuration built
 * from the same command-line arguments (Meteor.createPropertiesFromArgs), normalisation, the four matchers
 * (exact, stem, synonym, paraphrase), MeteorScorer.getMeteorStats(Alignment), MeteorStats parsing and
 * printing, computeMetrics and addStats. Two things differ:
 *   1. the beam search that picks the alignment among the matchers' candidates is this file's re-implementation
 *      of Aligner.resolve: the same candidates in the same order, the same comparison (PARTIAL_COMPARE_TOTAL,
 *      stable), the same field updates (integer truncation and all), but it keeps only the beam's best paths
 *      as they are generated instead of copying every candidate's arrays and sorting them all; used words are
 *      bit sets and chosen matches a shared linked list;
 *   2. the synonym, stem and paraphrase matchers give the jar's matches in the jar's order, but the stemmer and
 *      synonym dictionary (pure functions of the word) are asked once per distinct word and thread, synonym
 *      pairs come from an inverted index of synsets instead of testing every token pair, and a paraphrase is
 *      tried only where the other sentence has its first word instead of at every position;
 *   3. SCORE lines are aligned by several threads (one aligner copy each, sharing the jar's read-only
 *      dictionaries as MeteorScorer(MeteorScorer) does); answers are written in input order.
 * The class sits in the jar's package to reach the package-private Stage constructor.
 */
package edu.cmu.meteor.aligner;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import edu.cmu.meteor.scorer.MeteorConfiguration;
import edu.cmu.meteor.scorer.MeteorScorer;
import edu.cmu.meteor.scorer.MeteorStats;
import edu.cmu.meteor.util.Constants;
import edu.cmu.meteor.util.Normalizer;

public final class ExplorerMeteor {

	/** One thread's aligner: the jar's scorer copy and the pieces of its private Aligner this file uses. */
	static final class Worker {
		final MeteorScorer scorer;
		final int moduleCount;
		final int[] modules;
		final double[] weights;
		final int beamSize;
		final Stemmer stemmer;
		final SynonymDictionary synonyms;
		final ParaphraseTransducer paraphrase;
		final HashSet<String> functionWords;
		final boolean normalize, keepPunctuation, lowerCase;
		final int langID;
		final HashMap<String, HashSet<Integer>> synsetCache = new HashMap<String, HashSet<Integer>>();

		@SuppressWarnings("unchecked")
		Worker(MeteorScorer scorer) throws ReflectiveOperationException {
			this.scorer = scorer;
			Aligner aligner = (Aligner) get(MeteorScorer.class, scorer, "aligner");
			ArrayList<Integer> mods = (ArrayList<Integer>) get(Aligner.class, aligner, "modules");
			ArrayList<Double> ws = (ArrayList<Double>) get(Aligner.class, aligner, "moduleWeights");
			moduleCount = (Integer) get(Aligner.class, aligner, "moduleCount");
			modules = new int[mods.size()];
			for (int i = 0; i < modules.length; i++)
				modules[i] = mods.get(i);
			weights = new double[ws.size()];
			for (int i = 0; i < weights.length; i++)
				weights[i] = ws.get(i);
			beamSize = (Integer) get(Aligner.class, aligner, "beamSize");
			final Stemmer jarStemmer = (Stemmer) get(Aligner.class, aligner, "stemmer");
			final HashMap<String, String> stems = new HashMap<String, String>();
			stemmer = jarStemmer == null ? null : word -> stems.computeIfAbsent(word, jarStemmer::stem);
			synonyms = (SynonymDictionary) get(Aligner.class, aligner, "synonyms");
			paraphrase = (ParaphraseTransducer) get(Aligner.class, aligner, "paraphrase");
			functionWords = (HashSet<String>) get(Aligner.class, aligner, "functionWords");
			Object comparator = get(Aligner.class, aligner, "partialComparator");
			if (comparator != Constants.PARTIAL_COMPARE_TOTAL)
				throw new IllegalStateException("only PARTIAL_COMPARE_TOTAL is re-implemented");
			normalize = (Boolean) get(MeteorScorer.class, scorer, "normalize");
			keepPunctuation = (Boolean) get(MeteorScorer.class, scorer, "keepPunctuation");
			lowerCase = (Boolean) get(MeteorScorer.class, scorer, "lowerCase");
			langID = (Integer) get(MeteorScorer.class, scorer, "langID");
		}

		/** As MeteorScorer.getMeteorStats(String, ArrayList): the best reference's statistics. */
		MeteorStats stats(String test, ArrayList<String> references, boolean jarAligner) {
			if (normalize)
				test = Normalizer.normalizeLine(test, langID, keepPunctuation);
			if (lowerCase)
				test = test.toLowerCase();
			MeteorStats stats = new MeteorStats();
			stats.score = -1;
			for (String reference : references) {
				if (normalize)
					reference = Normalizer.normalizeLine(reference, langID, keepPunctuation);
				if (lowerCase)
					reference = reference.toLowerCase();
				MeteorStats current;
				if (jarAligner) {
					current = scorer.getMeteorStats(alignJar(test, reference));
				} else {
					Alignment a = new Alignment(test, reference);
					align(a);
					current = scorer.getMeteorStats(a);
				}
				if (current.score > stats.score)
					stats = current;
			}
			return stats;
		}

		private Alignment alignJar(String test, String reference) {
			try {
				Aligner aligner = (Aligner) get(MeteorScorer.class, scorer, "aligner");
				return aligner.align(test, reference);
			} catch (ReflectiveOperationException ex) {
				throw new IllegalStateException(ex);
			}
		}

		/** As Aligner.align(Alignment): candidates from the jar's matchers, then the beam search below. */
		void align(Alignment a) {
			Stage s = new Stage(a.words1, a.words2);
			int modsUsed = moduleCount;
			if (a.words1.size() == a.words2.size() && Arrays.equals(s.words1, s.words2))
				modsUsed = 1;
			for (int modNum = 0; modNum < modsUsed; modNum++) {
				int matcher = modules[modNum];
				if (matcher == Constants.MODULE_EXACT)
					ExactMatcher.match(modNum, a, s);
				else if (matcher == Constants.MODULE_STEM)
					StemMatcher.match(modNum, a, s, stemmer);
				else if (matcher == Constants.MODULE_SYNONYM)
					synonymMatch(modNum, a, s);
				else if (matcher == Constants.MODULE_PARAPHRASE)
					paraphraseMatch(modNum, a, s);
				else
					throw new RuntimeException("Matcher not recognized: " + matcher);
			}
			int n1 = a.words1.size(), n2 = a.words2.size();
			// One-to-one, non-overlapping matches are fixed before the search
			Match[] fixed = new Match[n2];
			Path start = new Path(n1, n2);
			for (int i = 0; i < s.matches.size(); i++) {
				if (s.matches.get(i).size() != 1)
					continue;
				Match m = s.matches.get(i).get(0);
				boolean overlap = false;
				for (int j = 0; j < m.length; j++)
					if (s.line2Coverage[i + j] != 1)
						overlap = true;
				for (int j = 0; j < m.matchLength; j++)
					if (s.line1Coverage[m.matchStart + j] != 1)
						overlap = true;
				if (!overlap) {
					fixed[i] = m;
					start.setUsed(m);
				}
			}
			Path best = resolve(s, start, fixed);
			Match[] matches = Arrays.copyOf(fixed, n2);
			for (Chosen c = best.chosen; c != null; c = c.previous)
				matches[c.position] = c.match;

			int[] contentMatches1 = new int[moduleCount], contentMatches2 = new int[moduleCount];
			int[] functionMatches1 = new int[moduleCount], functionMatches2 = new int[moduleCount];
			boolean[] isFunctionWord1 = new boolean[n1], isFunctionWord2 = new boolean[n2];
			for (int i = 0; i < n1; i++)
				if (functionWords.contains(a.words1.get(i).toLowerCase())) {
					isFunctionWord1[i] = true;
					a.line1FunctionWords.add(i);
				}
			for (int i = 0; i < n2; i++)
				if (functionWords.contains(a.words2.get(i).toLowerCase())) {
					isFunctionWord2[i] = true;
					a.line2FunctionWords.add(i);
				}
			for (Match m : matches) {
				if (m == null)
					continue;
				for (int j = 0; j < m.matchLength; j++)
					if (isFunctionWord1[m.matchStart + j])
						functionMatches1[m.module]++;
					else
						contentMatches1[m.module]++;
				for (int j = 0; j < m.length; j++)
					if (isFunctionWord2[m.start + j])
						functionMatches2[m.module]++;
					else
						contentMatches2[m.module]++;
			}
			for (int i = 0; i < moduleCount; i++) {
				a.moduleContentMatches1.add(contentMatches1[i]);
				a.moduleContentMatches2.add(contentMatches2[i]);
				a.moduleFunctionMatches1.add(functionMatches1[i]);
				a.moduleFunctionMatches2.add(functionMatches2[i]);
			}
			a.matches = matches;
			// Total matches and chunks, walking line2 as the jar does
			int line1Matches = 0, line2Matches = 0, chunks = 0, idx = 0, lastMatchEnd = -1;
			while (idx < matches.length) {
				Match m = matches[idx];
				if (m == null) {
					if (lastMatchEnd != -1) {
						chunks++;
						lastMatchEnd = -1;
					}
					idx++;
				} else {
					line1Matches += m.matchLength;
					line2Matches += m.length;
					if (lastMatchEnd != -1 && m.matchStart != lastMatchEnd)
						chunks++;
					idx = m.start + m.length;
					lastMatchEnd = m.matchStart + m.matchLength;
				}
			}
			if (lastMatchEnd != -1)
				chunks++;
			a.line1Matches = line1Matches;
			a.line2Matches = line2Matches;
			a.numChunks = chunks;
			double avgMatches = ((double) (a.line1Matches + a.line2Matches)) / 2;
			a.avgChunkLength = (a.numChunks > 0) ? avgMatches / a.numChunks : 0;
		}

		/** The jar's synonym set of a word: its synsets and its stem's synsets (SynonymMatcher's union). */
		private HashSet<Integer> synsets(String word) {
			HashSet<Integer> found = synsetCache.get(word);
			if (found == null) {
				found = new HashSet<Integer>(synonyms.getSynSets(word));
				found.addAll(synonyms.getStemSynSets(word));
				synsetCache.put(word, found);
			}
			return found;
		}

		/**
		 * SynonymMatcher.match: for each reference word j, each test word i in order, a one-word match of
		 * probability 1 when the two words differ and share a synset; coverage counted as the jar does.
		 */
		private void synonymMatch(int modNum, Alignment a, Stage s) {
			int n1 = a.words1.size(), n2 = a.words2.size();
			HashMap<String, Integer> distinct = new HashMap<String, Integer>();
			ArrayList<HashSet<Integer>> sets = new ArrayList<HashSet<Integer>>();
			int[] id1 = new int[n1], id2 = new int[n2];
			for (int i = 0; i < n1; i++)
				id1[i] = distinctId(a.words1.get(i), distinct, sets);
			for (int j = 0; j < n2; j++)
				id2[j] = distinctId(a.words2.get(j), distinct, sets);
			int d = sets.size();
			// distinct words sharing a synset, from the synsets' lists of distinct words
			boolean[] shared = new boolean[d * d];
			HashMap<Integer, ArrayList<Integer>> holders = new HashMap<Integer, ArrayList<Integer>>();
			for (int w = 0; w < d; w++)
				for (Integer synset : sets.get(w))
					holders.computeIfAbsent(synset, k -> new ArrayList<Integer>()).add(w);
			for (ArrayList<Integer> words : holders.values())
				for (int x : words)
					for (int y : words)
						shared[x * d + y] = true;
			for (int j = 0; j < n2; j++) {
				for (int i = 0; i < n1; i++) {
					if (!shared[id1[i] * d + id2[j]] || s.words1[i] == s.words2[j])
						continue;
					Match m = new Match();
					m.module = modNum;
					m.prob = 1.0;
					m.start = j;
					m.length = 1;
					m.matchStart = i;
					m.matchLength = 1;
					s.matches.get(j).add(m);
					s.line1Coverage[i]++;
					s.line2Coverage[j]++;
				}
			}
		}

		/**
		 * ParaphraseMatcher.match: first each reference phrase's paraphrases found in the test, then each test
		 * phrase's paraphrases found in the reference, in the jar's loop order (so matches are listed in the
		 * same order).
		 */
		private void paraphraseMatch(int modNum, Alignment a, Stage s) {
			int n1 = a.words1.size(), n2 = a.words2.size();
			int[] line1 = new int[n1], line2 = new int[n2];
			for (int i = 0; i < n1; i++)
				line1[i] = paraphrase.translate(a.words1.get(i));
			for (int j = 0; j < n2; j++)
				line2[j] = paraphrase.translate(a.words2.get(j));
			HashMap<Integer, int[]> starts1 = positions(line1), starts2 = positions(line2);
			for (int i = 0; i < n2; i++) {
				int[] paths = paraphrase.getReferencePaths(line2, i);
				for (int k = 0; k < paths.length; k += 2) {
					int length = paths[k];
					int[] para = paraphrase.getParaphrase(paths[k + 1]);
					for (int j : candidates(para, line1, starts1))
						if (occursAt(para, line1, j))
							addMatch(s, modNum, i, length, j, para.length);
				}
			}
			for (int i = 0; i < n1; i++) {
				int[] paths = paraphrase.getReferencePaths(line1, i);
				for (int k = 0; k < paths.length; k += 2) {
					int length = paths[k];
					int[] para = paraphrase.getParaphrase(paths[k + 1]);
					for (int j : candidates(para, line2, starts2))
						if (occursAt(para, line2, j))
							addMatch(s, modNum, j, para.length, i, length);
				}
			}
		}

		private static final int[] NONE = new int[0];

		/** Positions of each word id, ascending. */
		private static HashMap<Integer, int[]> positions(int[] line) {
			HashMap<Integer, int[]> out = new HashMap<Integer, int[]>();
			for (int i = 0; i < line.length; i++) {
				int[] old = out.get(line[i]);
				int[] grown = old == null ? new int[1] : Arrays.copyOf(old, old.length + 1);
				grown[grown.length - 1] = i;
				out.put(line[i], grown);
			}
			return out;
		}

		/** Where a phrase can start: every position for an empty phrase (as the jar's scan), else its first word's. */
		private static int[] candidates(int[] para, int[] line, HashMap<Integer, int[]> starts) {
			if (para.length == 0) {
				int[] all = new int[line.length];
				for (int i = 0; i < all.length; i++)
					all[i] = i;
				return all;
			}
			int[] found = starts.get(para[0]);
			return found == null ? NONE : found;
		}

		private static boolean occursAt(int[] para, int[] line, int j) {
			for (int t = 0; t < para.length; t++)
				if (j + t == line.length || line[j + t] != para[t])
					return false;
			return true;
		}

		private static void addMatch(Stage s, int modNum, int start, int length, int matchStart, int matchLength) {
			Match m = new Match();
			m.module = modNum;
			m.prob = 1.0;
			m.start = start;
			m.length = length;
			m.matchStart = matchStart;
			m.matchLength = matchLength;
			s.matches.get(start).add(m);
			for (int t = 0; t < matchLength; t++)
				s.line1Coverage[matchStart + t]++;
			for (int t = 0; t < length; t++)
				s.line2Coverage[start + t]++;
		}

		private int distinctId(String word, HashMap<String, Integer> distinct, ArrayList<HashSet<Integer>> sets) {
			Integer id = distinct.get(word);
			if (id == null) {
				id = sets.size();
				distinct.put(word, id);
				sets.add(synsets(word));
			}
			return id;
		}

		/**
		 * Aligner.resolve, step for step. The jar sorts every candidate of a step (stably, by
		 * PARTIAL_COMPARE_TOTAL) and expands the first beamSize; here candidates enter a sorted buffer of
		 * beamSize as they are generated, a later candidate never passing an equal earlier one, which is the
		 * same first beamSize in the same order. A new path's used-word sets are built only when it is
		 * expanded (it may be pushed out of the buffer before).
		 */
		private Path resolve(Stage s, Path startPath, Match[] fixed) {
			Beam paths = new Beam(beamSize);
			Beam next = new Beam(beamSize);
			next.offer(startPath);
			int steps = s.matches.size();
			int[] start = new int[8], length = new int[8], matchStart = new int[8], matchLength = new int[8];
			double[] weight = new double[8];
			for (int current = 0; current <= steps; current++) {
				Beam swap = paths;
				paths = next;
				next = swap;
				next.clear();
				// this word's candidate matches, unpacked once for all paths
				ArrayList<Match> matches = current < steps ? s.matches.get(current) : null;
				int count = matches == null ? 0 : matches.size();
				if (count > start.length) {
					int grown = Math.max(count, 2 * start.length);
					start = new int[grown];
					length = new int[grown];
					matchStart = new int[grown];
					matchLength = new int[grown];
					weight = new double[grown];
				}
				for (int i = 0; i < count; i++) {
					Match m = matches.get(i);
					start[i] = m.start;
					length[i] = m.length;
					matchStart[i] = m.matchStart;
					matchLength[i] = m.matchLength;
					weight[i] = weights[m.module];
				}
				for (int rank = 0; rank < paths.size; rank++) {
					Path path = paths.items[rank];
					path.materialize();
					// Case: path is complete
					if (current == steps) {
						if (path.lastMatchEnd != -1)
							path.chunks++;
						next.offer(path);
						continue;
					}
					// Case: current word is in use
					if (path.isUsed2(current)) {
						if (current < path.idx) {
							next.offer(path);
						} else if (fixed[path.idx] != null) {
							Match m = fixed[path.idx];
							path.matchCount++;
							path.matches1 += m.matchLength * weights[m.module];
							path.matches2 += m.length * weights[m.module];
							path.allMatches1 += m.matchLength;
							path.allMatches2 += m.length;
							if (path.lastMatchEnd != -1 && m.matchStart != path.lastMatchEnd)
								path.chunks++;
							path.idx = m.start + m.length;
							path.lastMatchEnd = m.matchStart + m.matchLength;
							path.distance += Math.abs(m.start - m.matchStart);
							next.offer(path);
						}
						continue;
					}
					// Case: each match starting here, then skipping this word
					long[] used1 = path.used1, used2 = path.used2;
					for (int i = 0; i < count; i++) {
						if (isUsed(used2, start[i], length[i]) || isUsed(used1, matchStart[i], matchLength[i]))
							continue;
						int matches1 = path.matches1, matches2 = path.matches2;
						matches1 += matchLength[i] * weight[i];
						matches2 += length[i] * weight[i];
						int chunks = path.chunks;
						if (path.lastMatchEnd != -1 && matchStart[i] != path.lastMatchEnd)
							chunks++;
						int distance = path.distance;
						// (the jar adds the distance to the parent path, after copying it)
						path.distance += Math.abs(start[i] - matchStart[i]);
						if (next.accepts(matches1 + matches2, chunks, distance)) {
							Path p = new Path(path, matches.get(i), current);
							p.matchCount++;
							p.matches1 = matches1;
							p.matches2 = matches2;
							p.allMatches1 += matchLength[i];
							p.allMatches2 += length[i];
							p.chunks = chunks;
							p.idx = start[i] + length[i];
							p.lastMatchEnd = matchStart[i] + matchLength[i];
							p.distance = distance;
							next.offer(p);
						}
					}
					if (path.lastMatchEnd != -1) {
						path.chunks++;
						path.lastMatchEnd = -1;
					}
					path.idx++;
					next.offer(path);
				}
				if (next.size == 0) {
					System.err.println("Warning: unexpected conditions - skipping matches until possible to continue");
					next.offer(paths.items[0]);
				}
			}
			return next.items[0];
		}
	}

	static boolean isUsed(long[] used, int from, int count) {
		for (int j = from; j < from + count; j++)
			if ((used[j >>> 6] & (1L << j)) != 0)
				return true;
		return false;
	}

	/**
	 * A partial alignment: the jar's PartialAlignment fields, used words as bit sets, chosen matches as a list.
	 * A path made by choosing a match keeps its parent's sets until it is expanded (materialize): by then the
	 * parent's sets have not changed, since a path's sets change only in its own materialize.
	 */
	static final class Path {
		int matchCount, matches1, matches2, allMatches1, allMatches2, chunks, idx, lastMatchEnd = -1, distance;
		long[] used1, used2;
		Chosen chosen;
		private Path source;
		private Match pending;

		Path(int n1, int n2) {
			used1 = new long[(n1 + 63) >>> 6];
			used2 = new long[(n2 + 63) >>> 6];
		}

		/** The parent's fields as they are now, plus match m chosen at position `current`. */
		Path(Path p, Match m, int current) {
			matchCount = p.matchCount;
			matches1 = p.matches1;
			matches2 = p.matches2;
			allMatches1 = p.allMatches1;
			allMatches2 = p.allMatches2;
			chunks = p.chunks;
			idx = p.idx;
			lastMatchEnd = p.lastMatchEnd;
			distance = p.distance;
			chosen = new Chosen(current, m, p.chosen);
			source = p;
			pending = m;
		}

		void materialize() {
			if (pending == null)
				return;
			used1 = source.used1.clone();
			used2 = source.used2.clone();
			setUsed(pending);
			source = null;
			pending = null;
		}

		boolean isUsed2(int i) {
			return (used2[i >>> 6] & (1L << i)) != 0;
		}

		void setUsed(Match m) {
			for (int j = m.start; j < m.start + m.length; j++)
				used2[j >>> 6] |= 1L << j;
			for (int j = m.matchStart; j < m.matchStart + m.matchLength; j++)
				used1[j >>> 6] |= 1L << j;
		}
	}

	static final class Chosen {
		final int position;
		final Match match;
		final Chosen previous;

		Chosen(int position, Match match, Chosen previous) {
			this.position = position;
			this.match = match;
			this.previous = previous;
		}
	}

	/** The first `capacity` paths of a stable sort by PARTIAL_COMPARE_TOTAL, kept while offering in order. */
	static final class Beam {
		final Path[] items;
		int size;

		Beam(int capacity) {
			items = new Path[capacity];
		}

		void clear() {
			Arrays.fill(items, 0, size, null);
			size = 0;
		}

		/** Whether a path with these keys, offered now, would be kept (it must beat the last kept one). */
		boolean accepts(int total, int chunks, int distance) {
			return size < items.length || before(total, chunks, distance, items[size - 1]);
		}

		void offer(Path p) {
			int total = p.matches1 + p.matches2;
			if (!accepts(total, p.chunks, p.distance))
				return;
			int pos = size < items.length ? size++ : items.length - 1;
			while (pos > 0 && before(total, p.chunks, p.distance, items[pos - 1])) {
				items[pos] = items[pos - 1];
				pos--;
			}
			items[pos] = p;
		}

		/** PARTIAL_COMPARE_TOTAL(x, y) < 0: more weighted matches, then fewer chunks, then less distance. */
		static boolean before(int total, int chunks, int distance, Path y) {
			int other = y.matches1 + y.matches2;
			if (total != other)
				return total > other;
			if (chunks != y.chunks)
				return chunks < y.chunks;
			return distance < y.distance;
		}
	}

	static Object get(Class<?> owner, Object target, String name) throws ReflectiveOperationException {
		Field f = owner.getDeclaredField(name);
		f.setAccessible(true);
		return f.get(target);
	}

	/** The scorer `java -jar meteor-1.5.jar - - ARGS` would build from the same arguments. */
	static MeteorScorer jarScorer(String[] args) throws ReflectiveOperationException {
		Class<?> main = Class.forName("Meteor");
		Method create = main.getDeclaredMethod("createPropertiesFromArgs", String[].class, int.class);
		create.setAccessible(true);
		Properties props = (Properties) create.invoke(null, args, 0);
		return new MeteorScorer(new MeteorConfiguration(props));
	}

	/** As Meteor.scoreStdio, one answer string per input line (lines joined by newlines). */
	static String answer(String line, ThreadLocal<Worker> workers, MeteorScorer scorer, boolean jarAligner) {
		if (line.startsWith("SCORE") || line.startsWith("score")) {
			String[] fields = line.split("\\|\\|\\|");
			if (fields.length < 3)
				return "Error: specify hypothesis and at least one reference";
			ArrayList<String> references = new ArrayList<String>();
			for (int i = 1; i < fields.length - 1; i++)
				references.add(fields[i].trim());
			String test = fields[fields.length - 1].trim();
			return workers.get().stats(test, references, jarAligner).toString();
		}
		if (line.startsWith("EVAL") || line.startsWith("eval")) {
			String[] fields = line.split("\\|\\|\\|");
			if (fields.length < 2)
				return "Error: specify Meteor stats";
			StringBuilder sb = new StringBuilder();
			MeteorStats total = new MeteorStats();
			for (int i = 1; i < fields.length; i++) {
				MeteorStats stats = new MeteorStats(fields[i].trim());
				scorer.computeMetrics(stats);
				sb.append(stats.score).append('\n');
				total.addStats(stats);
			}
			scorer.computeMetrics(total);
			sb.append(total.score);
			return sb.toString();
		}
		if (line.startsWith("SING") || line.startsWith("sing")) {
			String[] fields = line.split("\\|\\|\\|");
			if (fields.length != 2)
				return "Error: specify Meteor stats";
			MeteorStats stats = new MeteorStats(fields[1].trim());
			scorer.computeMetrics(stats);
			return String.valueOf(stats.score);
		}
		return "Error: specify SCORE or EVAL or SING";
	}

	/**
	 * Usage: java -cp CLASSES:meteor-1.5.jar edu.cmu.meteor.aligner.ExplorerMeteor THREADS [--jar-aligner] ARGS
	 * where ARGS are the jar's options after "- -" (e.g. -stdio -l en -norm). --jar-aligner uses the jar's own
	 * Aligner (for comparing the two in one process).
	 */
	public static void main(String[] argv) throws Exception {
		int threads = Integer.parseInt(argv[0]);
		int first = 1;
		boolean jarAligner = false;
		if (argv.length > 1 && argv[1].equals("--jar-aligner")) {
			jarAligner = true;
			first = 2;
		}
		String[] args = Arrays.copyOfRange(argv, first, argv.length);
		final MeteorScorer scorer = jarScorer(args);
		final ThreadLocal<Worker> workers = ThreadLocal.withInitial(() -> {
			try {
				return new Worker(new MeteorScorer(scorer));
			} catch (ReflectiveOperationException ex) {
				throw new IllegalStateException(ex);
			}
		});
		final boolean useJar = jarAligner;
		ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
			Thread t = new Thread(r);
			t.setDaemon(true);
			return t;
		});
		final BlockingQueue<Future<String>> answers = new ArrayBlockingQueue<Future<String>>(4096);
		final Writer out = new BufferedWriter(
				new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16);
		Thread writer = new Thread(() -> {
			try {
				while (true) {
					Future<String> f = answers.take();
					String text = f.get();
					if (text == null)
						break;
					out.write(text);
					out.write('\n');
					if (answers.isEmpty())
						out.flush();
				}
				out.flush();
			} catch (Exception ex) {
				ex.printStackTrace();
				System.exit(1);
			}
		});
		writer.start();
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
		String line;
		while ((line = in.readLine()) != null) {
			final String text = line;
			answers.put(pool.submit(() -> answer(text, workers, scorer, useJar)));
		}
		answers.put(pool.submit(() -> (String) null));
		writer.join();
		pool.shutdown();
	}
}
