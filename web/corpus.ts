// The page's built-in training text: a short original essay about what the page does, so a model can
// start training at once without a file. Plain ASCII prose with a few paragraphs.

export const BUILTIN_NAME = 'the built-in text';

export const BUILTIN_TEXT = `A recurrent network reads text one character at a time. It keeps a small memory, a vector of hidden
numbers, and every new character changes that memory a little. From the memory it guesses the next
character. At first the guesses are no better than chance, and the loss is high. Then the network
sees that a space often follows a word, that a capital letter often follows a full stop, and that
the letter q is nearly always followed by u. The loss falls, slowly at first and then faster.

This page trains such a network while you watch. The text you are reading now is its food. Press
Start and the model walks through these paragraphs in windows of twenty five characters. For every
window it runs forward, measures how surprised it was by each true next character, and then runs
backward to find out which of its weights to blame. A gentle learning rule called Adagrad nudges
each weight against its blame, more softly for weights that have been nudged many times before.

The chart shows the smooth loss, a running average of that surprise. When the line bends down, the
network is learning. Every so often it writes a sample of its own: a stream of letters drawn one by
one from its guesses. Early samples look like noise, a jumble of symbols and odd spacing. After a
few hundred steps words appear, short and common ones first, such as the, and, of and it. Later the
samples copy the rhythm of the text, with sentences that almost make sense and then wander off.

Nothing here leaves your machine. The training runs in a worker thread inside the browser, so the
buttons stay quick while the numbers turn. You can pause the model, look at what it writes, and go
on. You can give it your own text instead: choose a file, drop one on the page, or paste a few
pages into the box. A longer text teaches more, but it also takes longer to learn. Poems, recipes,
letters and source code all work, as long as the file is plain text in UTF-8.

When you like what the model writes, save it. The saved file holds every weight, the memory of the
learning rule and the state of the random number generator, so training can continue exactly where
it stopped, here or on the command line. The same file can be loaded later to write new text. Type a
few words as a prime, and the model will carry on from them, one character at a time. A lower
temperature makes it careful and repetitive; a higher one makes it bold and strange.

The network is tiny by modern standards, a hundred hidden numbers and a few thousand weights for
each of them, and it has no idea what any word means. It only knows which character tends to come
next. That such a simple rule can produce something that looks like writing is the small surprise
this page is here to show.
`;
