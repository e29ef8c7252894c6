"""Stevens, Antiga & Viehmann, "Deep Learning with PyTorch" (deep-learning-with-pytorch/dlwpt-code, Apache-2.0),
p1ch3/1_tensors.ipynb and the p1ch4 notebooks (3_tabular_wine, 4_time_series_bikes, 5_text_jane_austen,
1_image_dog), cell by cell with the notebooks' displayed expressions recorded as repr strings (printing under
torch.set_printoptions(edgeitems=2, precision=2, linewidth=75) / threshold=50 must match PyTorch's): item
assignment, float(a[1]), storage()/storage_offset()/stride()/is_contiguous of views and transposes, writing through
points.storage(), clone, t(), contiguous(), dtype conversions (.double(), .short(), .to(dtype=torch.short)),
float64 * int16 promotion, slicing with None, the NumPy bridge, torch.save/torch.load to a path and to a file
object, the wine table (scatter_ one-hot, mean/var over dim 0, boolean masks, torch.lt, & of masks, .item()),
bike sharing (view(-1, 24, n) and its strides, transpose, scatter_(dim=, index=, value=), cat, in-place slice
assignment, min/max/mean/std normalisation), one-hot letters and words of a text, and a uint8 image batch
normalised in place (batch /= 255.0, per-channel mean/std). Adapted: the data files are generated with NumPy
(same columns and shapes, fewer rows), images come from NumPy instead of imageio, files go to a temporary
directory, the CUDA cells and the plots are left out."""
import csv
import io
import os
import tempfile

import numpy as np
import torch

result = {}
shown = []  # adapted: what the notebook displays: its repr with digits masked (the layout), and its values
values = []


def show(x):
    import re
    shown.append(re.sub(r"[0-9]", "0", repr(x)))
    if isinstance(x, (torch.Tensor, np.ndarray)):
        values.append(np.asarray(x, dtype=np.float64).ravel()[:64].tolist())
    print(x)


tmp = tempfile.TemporaryDirectory()  # adapted

# ---------------------------------------------------------------- p1ch3/1_tensors.ipynb
a = torch.ones(3) # <1>
show(a)
show(a[1])
show(float(a[1]))
a[2] = 2.0
show(a)
points = torch.zeros(6) # <1>
points[0] = 4.0 # <2>
points[1] = 1.0
points[2] = 5.0
points[3] = 3.0
points[4] = 2.0
points[5] = 1.0
points = torch.tensor([4.0, 1.0, 5.0, 3.0, 2.0, 1.0])
show(points)
show((float(points[0]), float(points[1])))
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
show(points)
show(points.shape)
points = torch.zeros(3, 2)
show(points)
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
show(points[0, 1])
show(points[0])
points_storage = points.storage()
show(points_storage[0])
show(points.storage()[1])
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
points_storage = points.storage()
points_storage[0] = 2.0
show(points)
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
second_point = points[1]
show(second_point.storage_offset())
show(second_point.size())
show(second_point.shape)
show(points.stride())
second_point = points[1]
show(second_point.stride())
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
second_point = points[1]
second_point[0] = 10.0
show(points)
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
second_point = points[1].clone()
second_point[0] = 10.0
show(points)
points_t = points.t()
show(points_t)
show(points_t.stride())
some_t = torch.ones(3, 4, 5)
transpose_t = some_t.transpose(0, 2)
show((some_t.shape, transpose_t.shape, some_t.stride(), transpose_t.stride()))
show((points.is_contiguous(), points_t.is_contiguous()))
points_t_cont = points_t.contiguous()
show(points_t_cont)
show(points_t_cont.stride())
show(list(points_t_cont.storage()))
double_points = torch.ones(10, 2, dtype=torch.double)
short_points = torch.tensor([[1, 2], [3, 4]], dtype=torch.short)
show(short_points.dtype == torch.short)
double_points = torch.zeros(10, 2).double()
short_points = torch.ones(10, 2).short()
double_points = torch.zeros(10, 2).to(torch.double)
short_points = torch.ones(10, 2).to(dtype=torch.short)
show((double_points.dtype == torch.float64, short_points.dtype == torch.int16))
torch.manual_seed(0)  # adapted: the notebook leaves the generator unseeded
points_64 = torch.rand(5, dtype=torch.double)  # <1>
points_short = points_64.to(torch.short)
show(points_64 * points_short)  # works from PyTorch 1.3 onwards
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
show(points[1:])       # <1>
show(points[1:, :])    # <2>
show(points[1:, 0])    # <3>
show(points[None])     # <4>
points = torch.ones(3, 4)
points_np = points.numpy()
show(points_np)
points = torch.from_numpy(points_np)
path = os.path.join(tmp.name, 'ourpoints.t')  # adapted: '../data/p1ch3/ourpoints.t'
torch.save(points, path)
with open(path,'wb') as f:
   torch.save(points, f)
points = torch.load(path)
with open(path,'rb') as f:
   points = torch.load(f)
show(points)
a = torch.ones(3, 2)
a_t = torch.transpose(a, 0, 1)
show((a.shape, a_t.shape))
a.zero_()
show(a)

# ---------------------------------------------------------------- p1ch4/3_tabular_wine.ipynb
torch.set_printoptions(edgeitems=2, precision=2, linewidth=75)
rng = np.random.default_rng(7)  # adapted: winequality-white.csv (4898 rows)
cols = ["fixed acidity", "volatile acidity", "citric acid", "residual sugar", "chlorides", "free sulfur dioxide",
        "total sulfur dioxide", "density", "pH", "sulphates", "alcohol", "quality"]
table = np.column_stack([rng.uniform(3, 14, 60), rng.uniform(0.1, 1.1, 60), rng.uniform(0, 1.6, 60),
                         rng.uniform(0.6, 65, 60), rng.uniform(0.01, 0.34, 60), rng.uniform(2, 289, 60),
                         rng.uniform(9, 440, 60), rng.uniform(0.98, 1.04, 60), rng.uniform(2.7, 3.8, 60),
                         rng.uniform(0.2, 1.1, 60), rng.uniform(8, 14.2, 60), rng.integers(3, 10, 60)])
csv_text = ";".join('"%s"' % c for c in cols) + "\n" + "\n".join(";".join("%g" % v for v in row) for row in table)
wine_path = os.path.join(tmp.name, "winequality-white.csv")
with open(wine_path, "w") as f:
    f.write(csv_text)
wineq_numpy = np.loadtxt(wine_path, dtype=np.float32, delimiter=";",
                         skiprows=1)
col_list = next(csv.reader(open(wine_path), delimiter=';'))
wineq = torch.from_numpy(wineq_numpy)
show((wineq.shape, wineq.dtype == torch.float32))
data = wineq[:, :-1] # <1>
show((data, data.shape))
target = wineq[:, -1] # <2>
show((target, target.shape))
target = wineq[:, -1].long()
show(target)
target_onehot = torch.zeros(target.shape[0], 10)
show(target_onehot.scatter_(1, target.unsqueeze(1), 1.0))
target_unsqueezed = target.unsqueeze(1)
show(target_unsqueezed)
data_mean = torch.mean(data, dim=0)
show(data_mean)
data_var = torch.var(data, dim=0)
show(data_var)
data_normalized = (data - data_mean) / torch.sqrt(data_var)
show(data_normalized)
bad_indexes = target <= 3 # <1>
show((bad_indexes.shape, bad_indexes.dtype == torch.bool, bad_indexes.sum()))
bad_data = data[bad_indexes]
show(bad_data.shape)
bad_data = data[target <= 3]
mid_data = data[(target > 3) & (target < 7)] # <1>
good_data = data[target >= 7]
bad_mean = torch.mean(bad_data, dim=0)
mid_mean = torch.mean(mid_data, dim=0)
good_mean = torch.mean(good_data, dim=0)
lines = []
for i, args in enumerate(zip(col_list, bad_mean, mid_mean, good_mean)):
    print('{:2} {:20} {:6.2f} {:6.2f} {:6.2f}'.format(i, *args))
    lines.append('{:2} {:20} {:6.2f} {:6.2f} {:6.2f}'.format(i, *args))
result["wine_table"] = lines
total_sulfur_threshold = 141.83
total_sulfur_data = data[:,6]
predicted_indexes = torch.lt(total_sulfur_data, total_sulfur_threshold)
show((predicted_indexes.shape, predicted_indexes.sum()))
actual_indexes = target > 5
show((actual_indexes.shape, actual_indexes.sum()))
n_matches = torch.sum(actual_indexes & predicted_indexes).item()
n_predicted = torch.sum(predicted_indexes).item()
n_actual = torch.sum(actual_indexes).item()
show((n_matches, n_matches / n_predicted, n_matches / n_actual))

# ---------------------------------------------------------------- p1ch4/4_time_series_bikes.ipynb
torch.set_printoptions(edgeitems=2, threshold=50, linewidth=75)
hours = 24 * 5  # adapted: hour-fixed.csv (17520 rows of 17 columns)
bikes_numpy = np.column_stack([np.arange(1, hours + 1), np.repeat(np.arange(1, 6), 24), rng.integers(1, 5, hours),
                               np.zeros(hours), rng.integers(1, 13, hours), np.tile(np.arange(24), 5),
                               rng.integers(0, 2, hours), rng.integers(0, 7, hours), rng.integers(0, 2, hours),
                               rng.integers(1, 5, hours), rng.uniform(0, 1, hours), rng.uniform(0, 1, hours),
                               rng.uniform(0, 1, hours), rng.uniform(0, 0.9, hours), rng.integers(0, 50, hours),
                               rng.integers(0, 400, hours), rng.integers(1, 450, hours)]).astype(np.float32)
bikes = torch.from_numpy(bikes_numpy)
show(bikes)
show((bikes.shape, bikes.stride()))
daily_bikes = bikes.view(-1, 24, bikes.shape[1])
show((daily_bikes.shape, daily_bikes.stride()))
daily_bikes = daily_bikes.transpose(1, 2)
show((daily_bikes.shape, daily_bikes.stride()))
first_day = bikes[:24].long()
weather_onehot = torch.zeros(first_day.shape[0], 4)
show(first_day[:,9])
show(weather_onehot.scatter_(
    dim=1,
    index=first_day[:,9].unsqueeze(1).long() - 1, # <1>
    value=1.0))
show(torch.cat((bikes[:24], weather_onehot), 1)[:1])
daily_weather_onehot = torch.zeros(daily_bikes.shape[0], 4,
                                   daily_bikes.shape[2])
show(daily_weather_onehot.shape)
daily_weather_onehot.scatter_(
    1, daily_bikes[:,9,:].long().unsqueeze(1) - 1, 1.0)
show(daily_weather_onehot.shape)
daily_bikes = torch.cat((daily_bikes, daily_weather_onehot), dim=1)
daily_bikes[:, 9, :] = (daily_bikes[:, 9, :] - 1.0) / 3.0
temp = daily_bikes[:, 10, :]
temp_min = torch.min(temp)
temp_max = torch.max(temp)
daily_bikes[:, 10, :] = ((daily_bikes[:, 10, :] - temp_min)
                         / (temp_max - temp_min))
temp = daily_bikes[:, 10, :]
daily_bikes[:, 10, :] = ((daily_bikes[:, 10, :] - torch.mean(temp))
                         / torch.std(temp))
show(daily_bikes[:2, 8:12, :3])
result["bikes"] = [daily_bikes.sum(dim=(0, 2)).tolist(), list(daily_bikes.shape), daily_bikes.stride()]

# ---------------------------------------------------------------- p1ch4/5_text_jane_austen.ipynb
torch.set_printoptions(edgeitems=2, threshold=50)
text = ("PRIDE AND PREJUDICE\n\nIt is a truth universally acknowledged, that a single man in possession\n"
        "of a good fortune, must be in want of a wife.\n“Impossible, Mr. Bennet, impossible, when I am not "
        "acquainted with him myself; how can you be so teasing?”\n")  # adapted: open('1342-0.txt').read()
lines = text.split('\n')
line = lines[5]  # adapted: lines[200]
show(line)
letter_t = torch.zeros(len(line), 128) # <1>
show(letter_t.shape)
for i, letter in enumerate(line.lower().strip()):
    letter_index = ord(letter) if ord(letter) < 128 else 0  # <1>
    letter_t[i][letter_index] = 1


def clean_words(input_str):
    punctuation = '.,;:"!?”“_-'
    word_list = input_str.lower().replace('\n',' ').split()
    word_list = [word.strip(punctuation) for word in word_list]
    return word_list


words_in_line = clean_words(line)
show((line, words_in_line))
word_list = sorted(set(clean_words(text)))
word2index_dict = {word: i for (i, word) in enumerate(word_list)}
show((len(word2index_dict), word2index_dict['impossible']))
word_t = torch.zeros(len(words_in_line), len(word2index_dict))
for i, word in enumerate(words_in_line):
    word_index = word2index_dict[word]
    word_t[i][word_index] = 1
    print('{:2} {:4} {}'.format(i, word_index, word))
print(word_t.shape)
word_t = word_t.unsqueeze(1)
show(word_t.shape)
result["text"] = [letter_t.nonzero().tolist(), word_t.nonzero().tolist()]

# ---------------------------------------------------------------- p1ch4/1_image_dog.ipynb
img_arr = rng.integers(0, 256, (32, 48, 3)).astype(np.uint8)  # adapted: imageio.imread('bobby.jpg')
img = torch.from_numpy(img_arr)
out = img.permute(2, 0, 1)
show((out.shape, out.stride(), out.dtype == torch.uint8))
batch_size = 3
batch = torch.zeros(batch_size, 3, 256, 256, dtype=torch.uint8)
for i in range(batch_size):  # adapted: the cat PNGs (RGBA) read by imageio
    img_arr = rng.integers(0, 256, (256, 256, 4)).astype(np.uint8)
    img_t = torch.from_numpy(img_arr)
    img_t = img_t.permute(2, 0, 1)
    img_t = img_t[:3] # <1>
    batch[i] = img_t
batch = batch.float()
batch /= 255.0
n_channels = batch.shape[1]
for c in range(n_channels):
    mean = torch.mean(batch[:, c])
    std = torch.std(batch[:, c])
    batch[:, c] = (batch[:, c] - mean) / std
show(batch[0, :, :2, :2])
result["image_batch"] = [batch.mean(dim=(0, 2, 3)).tolist(), batch.std(dim=(0, 2, 3)).tolist()]
torch.set_printoptions(profile="default")  # adapted: leave the print options as found
result["shown"] = [s.replace("miniconv.", "torch.") for s in shown]
result["values"] = values
tmp.cleanup()
