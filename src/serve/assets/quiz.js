// Quiz mode: before a step of a backward sweep is shown, the student types a number the step
// computes (a local partial or a contribution); it is checked against the engine's own number
// from the trace, and a wrong answer gets the rule the trace prints as a hint.
'use strict';

// Answers right at the first try, of the questions asked, this browser session.
const quizScore = (() => {
  let saved = { right: 0, asked: 0 };
  try { saved = JSON.parse(sessionStorage.getItem('tapegrad-quiz')) || saved; } catch (_) { /* private mode */ }
  return saved;
})();

function showScore() {
  $('quiz-score').textContent = `quiz: ${quizScore.right} / ${quizScore.asked}`;
  try { sessionStorage.setItem('tapegrad-quiz', JSON.stringify(quizScore)); } catch (_) { /* private mode */ }
}
showScore();

// Close enough: within 1% of the engine's number, or 0.001 of it near zero (the student works
// from the four digits shown).
function closeEnough(answer, expected) {
  if (!Number.isFinite(expected)) return answer === expected;
  return Math.abs(answer - expected) <= Math.max(1e-3, 0.01 * Math.abs(expected));
}

class Quiz {
  constructor(box) {
    this.box = box;
    this.questions = [];
    this.done = null;
  }

  get active() { return this.questions.length > 0; }

  // Asks `questions` ({prompt, answer, hint}) one after the other, then calls `done`.
  ask(questions, done) {
    this.questions = questions.slice();
    this.done = done;
    this.next();
  }

  cancel() {
    this.questions = [];
    this.box.hidden = true;
  }

  next() {
    if (this.questions.length === 0) {
      this.box.hidden = true;
      const done = this.done;
      this.done = null;
      if (done) done();
      return;
    }
    const q = this.questions[0];
    this.tries = 0;
    quizScore.asked += 1;
    showScore();
    this.box.innerHTML = `<p class="question">${q.prompt}</p>
      <div class="row"><input class="quiz-answer" type="text" inputmode="decimal" autocomplete="off" spellcheck="false">
      <button class="quiz-check">Check</button><button class="quiz-reveal">Show me</button></div>
      <p class="feedback"></p>`;
    this.box.hidden = false;
    const input = this.box.querySelector('.quiz-answer');
    input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') this.check(); });
    this.box.querySelector('.quiz-check').addEventListener('click', () => this.check());
    this.box.querySelector('.quiz-reveal').addEventListener('click', () => this.reveal());
    input.focus();
  }

  check() {
    const q = this.questions[0];
    const text = this.box.querySelector('.quiz-answer').value.trim();
    const feedback = this.box.querySelector('.feedback');
    const answer = Number(text);
    if (text === '' || Number.isNaN(answer)) {
      feedback.className = 'feedback wrong';
      feedback.textContent = 'Type a number, e.g. 0.25.';
      return;
    }
    this.tries += 1;
    if (closeEnough(answer, num(q.answer))) {
      if (this.tries === 1) quizScore.right += 1;
      showScore();
      this.questions.shift();
      this.next();
      return;
    }
    feedback.className = 'feedback wrong';
    feedback.textContent = `Not ${text}. Hint: ${q.hint}`;
  }

  reveal() {
    const q = this.questions.shift();
    this.box.querySelector('.feedback').textContent = `It is ${full(q.answer)}.`;
    this.next();
  }
}
