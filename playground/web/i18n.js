// The page's words in English and Chinese; the language follows the browser unless the URL or the
// switch says otherwise.
export const strings = {
  en: {
    playground: 'playground', lesson: 'Lesson', free: 'Free play', reset: 'Reset', play: 'Play / pause',
    step: 'Step', epoch: 'Epoch', lr: 'Learning rate', activation: 'Activation',
    regularization: 'Regularization', rate: 'Rate', loss: 'Loss', data: 'Data', classes: 'Classes',
    train_ratio: 'Training data', noise: 'Noise', batch_size: 'Batch size', seed: 'Seed',
    regenerate: 'Regenerate', own_data: 'Your own data (CSV)',
    csv_hint: 'Numbers only: the features, then the label last (class 0, 1, … or a value). Two features are drawn on the plane.',
    use_csv: 'Use', clear_csv: 'Back to toy sets', hidden_layers: 'hidden layers',
    gradients: 'Gradient norm per layer (log scale)', output: 'Output', show_test: 'Show test data',
    discretize: 'Discretize output', click_adds: 'Click adds class', export: 'Export .plx',
    advanced: 'Beyond TensorFlow Playground', optimizer: 'Optimizer', momentum: 'Momentum',
    schedule: 'Schedule', epochs: 'Epochs (schedule)', weight_decay: 'Weight decay', dropout: 'Dropout',
    batch_norm: 'Batch norm', init: 'Initialisation', init_std: 'Init std (normal)',
    clip_norm: 'Clip gradient norm (0: off)', patience: 'Early stopping patience (epochs, 0: off)',
    speed: 'Batches per frame', footer: 'The real plexus library, compiled to WebAssembly, trains in a worker thread.',
    primer_link: 'The primer', features: 'Features', neurons: 'neurons', train_loss: 'Training loss',
    test_loss: 'Test loss', accuracy: 'accuracy', dead: 'dead', saturated: 'saturated',
    stopped: 'Early stopping: the test loss has not improved for {n} epochs; best {best} at epoch {epoch}.',
    slice: 'Loss slice through two weights, with the optimizer\'s path',
    slice_hint: 'The training loss as the first neuron\'s first two weights vary (dark: low), every other weight as it is now; the line is the path those two weights took.',
    race: 'Race of optimizers', race_run: 'Race for 30 epochs',
    race_hint: 'Every optimizer of the library from the same start on the same data, at this learning rate: the training loss per epoch.',
    formulas: 'Formulas', read_more: 'Read more in the primer', truth: 'true \\ predicted', no_plane: 'More than two features: no 2-D view.',
  },
  zh: {
    playground: '游乐场', lesson: '课程', free: '自由练习', reset: '重置', play: '播放 / 暂停', step: '单步',
    epoch: '轮次', lr: '学习率', activation: '激活函数', regularization: '正则化', rate: '强度', loss: '损失',
    data: '数据', classes: '类别数', train_ratio: '训练数据比例', noise: '噪声', batch_size: '批大小',
    seed: '随机种子', regenerate: '重新生成', own_data: '你自己的数据(CSV)',
    csv_hint: '只含数字:先是特征,最后一列是标签(类别 0、1、… 或数值)。两个特征时在平面上画出。',
    use_csv: '使用', clear_csv: '回到示例数据', hidden_layers: '个隐藏层',
    gradients: '每层梯度范数(对数刻度)', output: '输出', show_test: '显示测试数据',
    discretize: '离散化输出', click_adds: '点击添加类别', export: '导出 .plx', advanced: '更多(超出 TensorFlow Playground)',
    optimizer: '优化器', momentum: '动量', schedule: '学习率调度', epochs: '轮数(调度用)', weight_decay: '权重衰减',
    dropout: 'Dropout', batch_norm: '批归一化', init: '初始化', init_std: '初始标准差(normal)',
    clip_norm: '梯度范数裁剪(0:关闭)', patience: '早停耐心(轮,0:关闭)', speed: '每帧批次数',
    footer: '真正的 plexus 库编译成 WebAssembly,在后台线程中训练。', primer_link: '入门讲义', features: '特征',
    neurons: '个神经元', train_loss: '训练损失', test_loss: '测试损失', accuracy: '准确率', dead: '死亡',
    saturated: '饱和', stopped: '早停:测试损失 {n} 轮没有改善;最佳 {best},在第 {epoch} 轮。',
    slice: '穿过两个权重的损失切片与优化器路径',
    slice_hint: '第一个神经元的前两个权重变化时的训练损失(越暗越低),其余权重保持当前值;线条是这两个权重走过的路径。',
    race: '优化器赛跑', race_run: '跑 30 轮',
    race_hint: '库中的每个优化器从同一起点、在同一数据上、用当前学习率训练:每轮的训练损失。',
    formulas: '公式', read_more: '在入门讲义中阅读更多', truth: '真实 \\ 预测', no_plane: '特征多于两个:没有平面图。',
  },
};

export function pickLanguage(requested) {
  if (requested === 'en' || requested === 'zh') return requested;
  return (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function translatePage(lang) {
  document.documentElement.lang = lang;
  for (const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = strings[lang][element.dataset.i18n] ?? element.textContent;
  }
  for (const element of document.querySelectorAll('[data-i18n-title]')) {
    element.title = strings[lang][element.dataset.i18nTitle] ?? element.title;
  }
}
